"""Red team: submissions that attack the grading, run through the real nbgrader cycle in the sandbox."""

import json
import socket
import threading
from pathlib import Path

import nbformat
import pytest

from ipt_lib.course import assignment1
from ipt_lib.course import assignment2
from ipt_lib.course.cycle import default_specs, format_summary, run_cycle

from ipt_lib.course import assignment3

from redteam import (probe_profile, redteam_caseload_class, redteam_class, redteam_inventory_class,
                     redteam_match_everything_profile, renamed_notebook_profile)

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def listener():
    """A TCP server on loopback that the sandboxed kernel must not reach."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    hits = []

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            hits.append(1)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], hits
    server.close()


CANARIES = {"JUPYTERHUB_API_TOKEN": "canary-hub-token-7f3a9", "PGPASSWORD": "canary-db-password-51c2"}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, listener):
    port, hits = listener
    profiles = redteam_class() + [renamed_notebook_profile(), probe_profile(str(ROOT), port)]
    specs = {spec.name: spec for spec in default_specs(ROOT)}
    specs[assignment1.ASSIGNMENT].profiles = profiles
    specs[assignment2.ASSIGNMENT].profiles = redteam_inventory_class() + [redteam_match_everything_profile()]
    specs[assignment3.ASSIGNMENT].profiles = redteam_caseload_class()
    root = tmp_path_factory.mktemp("redteam") / "run"
    with pytest.MonkeyPatch.context() as env:
        for name, value in CANARIES.items():  # what a hub sets for the grader: never for the student's kernel
            env.setenv(name, value)
        result = run_cycle(root, specs=list(specs.values()), timeout=10, quiet=True)
    print(format_summary(result))
    return result, hits


def _unwrapped(text: str) -> str:
    """Printed lines as the kernel printed them: graded notebooks wrap long lines at 88 characters, breaking at a
    space and indenting the rest by two (ipt_lib/course/wraplines.py); these prints start at column 0."""
    return text.replace("\n  ", " ")


def _graded_text(result, student: str) -> str:
    path = result.course / "autograded" / student / assignment1.ASSIGNMENT / assignment1.NOTEBOOK
    graded = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") + o.get("evalue", "") for c in graded.cells for o in c.get("outputs", []))


def test_no_key_is_readable_by_the_kernel(attacked):
    """Every keyed check is sealed before the notebook is written and run: a kernel that reads every file it can
    finds none, so nothing disguised (reversed) reaches the graded notebook or the feedback."""
    result, _ = attacked
    text = _graded_text(result, "rt_keys")
    assert "KEYFILES []" in text, text[:3000]
    assert "(aera_tressa" not in text and "SNEDDIH" not in text
    feedback = "".join(p.read_text(errors="ignore") for p in (result.course / "feedback" / "rt_keys").rglob("*.html"))
    assert "(aera_tressa" not in feedback


def test_kernel_inherits_no_secret_from_the_grader(attacked):
    result, _ = attacked
    text = _graded_text(result, "rt_env")
    environment = json.loads(_unwrapped(text).split("ENVIRONMENT ", 1)[1].splitlines()[0])
    assert not set(CANARIES) & set(environment), environment
    assert not any(value in text for value in CANARIES.values())
    assert set(environment) <= {"PATH", "HOME", "MPLCONFIGDIR", "IPYTHONDIR", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE",
                                "LC_MESSAGES", "LC_NUMERIC", "TZ", "TERM", "PYTHONWARNINGS", "PYTHONHASHSEED",
                                "PYTHONIOENCODING", "MPLBACKEND", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                "PYDEVD_DISABLE_FILE_VALIDATION", "JPY_SESSION_NAME", "PYTHONUNBUFFERED",
                                "COLUMNS", "LINES", "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "PAGER", "GIT_PAGER",
                                "MPLBACKEND"}, environment


def by_student(result):
    return result.of(assignment1.ASSIGNMENT)


@pytest.mark.parametrize("student", [p.student for p in redteam_class()] + ["rt_rename", "rt_probe"])
def test_attack_earns_no_point_on_the_attacked_items(attacked, student):
    result, _ = attacked
    r = by_student(result)[student]
    assert [r.items[f"case_{i}_test"] for i in range(1, 9)] == [0, 0, 0, 0, 1, 1, 1, 1], (student, r.items, r.notes)
    assert r.auto_score == 4 and r.auto_max == 8


def test_probe_sees_no_source_data_gradebook_or_other_students(attacked):
    result, _ = attacked
    graded = nbformat.read(result.course / "autograded" / "rt_probe" / assignment1.ASSIGNMENT / assignment1.NOTEBOOK,
                           as_version=4)
    text = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    report = json.loads(_unwrapped(text).split("PROBE ", 1)[1].splitlines()[0])
    own = ["rt_probe"]
    assert report == {"source_readable": False, "gradebook_readable": False, "others_listed": [],
                      "repo_data_readable": False, "network": False, "autograded_listed": own,
                      "other_processes": report["other_processes"], "after_unshare_listed": own}
    assert len(report["other_processes"]) <= 2, report  # its own namespace: no grader, server or other kernel


def test_probe_reached_no_server_and_wrote_nothing_outside_its_folder(attacked):
    result, hits = attacked
    assert not hits
    assert not (result.course / "planted.txt").exists() and not (ROOT / "planted.txt").exists()
    assert not (result.course / "gradebook.db").read_bytes().endswith(b"tamper")


def test_structure_changes_are_reported_by_student_and_cell(attacked):
    result, _ = attacked
    notes = {r.student: " | ".join(r.notes) for r in result.results}
    assert "case_1_test: duplicated" in notes["rt_dup"] and "reordered" in notes["rt_dup"]
    assert "case_2_test: metadata changed (points)" in notes["rt_meta"]
    assert "case_3_test: retyped" in notes["rt_meta"] and "case_4_test: cell id changed" in notes["rt_meta"]
    assert "kernel changed" in notes["rt_meta"]
    assert "renamed" in notes["rt_rename"]
    assert "nbgrader metadata removed" in notes["rt_strip"]
    report = (result.course / f"integrity-{assignment1.ASSIGNMENT}.csv").read_text()
    assert "rt_dup" in report and "rt_meta" in report and "rt_rename" in report


def test_dead_kernels_are_reported_and_the_batch_goes_on(attacked):
    result, _ = attacked
    r = by_student(result)
    assert any("kernel stopped early" in n for n in r["rt_osexit"].notes)
    assert len(by_student(result)) == len(redteam_class()) + 2


@pytest.mark.parametrize("student", [p.student for p in redteam_inventory_class()])
def test_attacks_on_the_inventory_assignment_earn_nothing(attacked, student):
    result, _ = attacked
    r = result.of(assignment2.ASSIGNMENT)[student]
    assert r.items == {"inner_partner_test": 1, "inner_child_test": 0, "tied_person_test": 0, "area_test": 0}, \
        (student, r.items, r.notes)


def test_answers_that_name_everyone_earn_nothing(attacked):
    result, _ = attacked
    r = result.of(assignment2.ASSIGNMENT)["rt2_all"]
    assert r.items == {"inner_partner_test": 0, "inner_child_test": 0, "tied_person_test": 0, "area_test": 0}, \
        (r.items, r.notes)


@pytest.mark.parametrize("student", [p.student for p in redteam_caseload_class()])
def test_caseload_attacks_earn_nothing_on_the_attacked_items(attacked, student):
    result, _ = attacked
    r = result.of(assignment3.ASSIGNMENT)[student]
    assert r.items["response_rate_test"] == 0 and r.items["median_lag_days_test"] == 0, (student, r.items, r.notes)
    assert r.items["deteriorated_test"] == 0
    assert r.auto_score == 8 and r.auto_max == 12  # their honest score: the risk-review list right, as answered


def test_caseload_key_never_reaches_the_kernel(attacked):
    """The file attacker printed what it stole: nothing, because the key was sealed before the kernel ran."""
    result, _ = attacked
    graded = nbformat.read(result.course / "autograded" / "rc_files" / assignment3.ASSIGNMENT / assignment3.NOTEBOOK,
                           as_version=4)
    text = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    assert "STOLEN []" in text
