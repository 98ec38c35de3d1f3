"""Red team on every assignment, through both grading paths (`ipt-course autograde --warm` and plain
`nbgrader autograde` with the course's config) and through `nbgrader collect`: attacks from outside the answers
earn nothing over a blank submission, change nothing outside the attacker's folder, put no key, hidden test or
secret (in any disguise) into a graded notebook or feedback, and never stop the batch."""

import base64
import hashlib
import json
import re
from pathlib import Path

import nbformat
import pytest

from ipt_lib.course.cycle import default_specs, run_cycle
from ipt_lib.course.leaks import collect_secrets, disguised_views, scan_blob

from redteam_every import every_assignment_attackers

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
CANARIES = {"JUPYTERHUB_API_TOKEN": "canaryhubtoken7f3a9e", "PGPASSWORD": "canarydbpassword51c2",
            "IPT_LTI_PRIVATE_KEY": "canaryltikey0d9b44"}
ATTACKERS = ("xk_read", "xk_plant", "xk_bytes", "xk_inbound_nb", "xk_inbound_files", "xk_hand")
# Collect, and the output limits, are the same code whichever path grades afterwards: the plain path (slower, a cold
# kernel per submission) runs only the attacks whose defence differs by path.
SAME_ON_BOTH_PATHS = ("xk_bytes", "xk_inbound_nb", "xk_inbound_files")


def attackers_for(path: str) -> tuple[str, ...]:
    return ATTACKERS if path == "warm" else tuple(a for a in ATTACKERS if a not in SAME_ON_BOTH_PATHS)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module", params=["warm", "plain"])
def run(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"redteam-every-{request.param}")
    root, victim = base / "run", base / "victim.txt"
    victim.write_text("nobody may change me")
    victim.chmod(0o600)
    specs = default_specs(ROOT)
    for spec in specs:
        spec.profiles = [p for p in every_assignment_attackers(root, spec, victim)
                         if p.student == "xb_blank" or p.student in attackers_for(request.param)]
    sources = {p: _sha(p) for p in (ROOT / "source").rglob("*.ipynb")}
    with pytest.MonkeyPatch.context() as env:
        for name, value in CANARIES.items():  # what a hub sets for the grader: never for the student's kernel
            env.setenv(name, value)
        result = run_cycle(root, specs=specs, timeout=10, quiet=True, parallel=request.param == "warm")
    return request.param, result, specs, victim, sources


def _outputs(path: Path) -> str:
    if not path.exists():
        return ""
    graded = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") + o.get("evalue", "") + str(o.get("data", {}).get("text/plain", ""))
                   for c in graded.cells for o in c.get("outputs", []))


def test_every_attack_earns_what_a_blank_submission_earns(run):
    path, result, specs, _, _ = run
    for spec in specs:
        by_student = result.of(spec.name)
        assert set(by_student) == {"xb_blank", *attackers_for(path)}, (path, spec.name, sorted(by_student))  # all done
        blank = by_student["xb_blank"].auto_score
        assert blank == 0, (path, spec.name, by_student["xb_blank"].items)
        for student in attackers_for(path):
            assert by_student[student].auto_score == blank, (path, spec.name, student, by_student[student].items,
                                                             by_student[student].notes)


def test_nothing_outside_the_attackers_folders_changed(run):
    path, result, specs, victim, sources = run
    course = result.course
    assert victim.read_text() == "nobody may change me" and (victim.stat().st_mode & 0o777) == 0o600
    assert {p: _sha(p) for p in (ROOT / "source").rglob("*.ipynb")} == sources
    for spec in specs:
        blank = course / "submitted" / "xb_blank" / spec.name / spec.notebook
        released = course / "release" / spec.name / spec.notebook
        assert not blank.is_symlink() and _sha(blank) == _sha(released), (path, spec.name)  # the victim's own work
        assert not (course / "source" / spec.name / spec.notebook).is_symlink()
    for folder in ("submitted", "autograded", "feedback"):
        links = [p for p in (course / folder).rglob("*") if p.is_symlink()]
        assert links == [], (path, folder, links)


def test_what_was_left_out_is_recorded_by_student_and_file(run):
    path, result, specs, _, _ = run
    for spec in specs:
        notes = {s: " | ".join(r.notes) for s, r in result.of(spec.name).items()}
        assert "symbolic link" in notes["xk_plant"] and "huge.bin" in notes["xk_plant"], (path, notes["xk_plant"])
        assert "pipe" in notes["xk_plant"], notes["xk_plant"]
        if path == "warm":  # collect: the same on both paths
            assert f"{spec.notebook}: symbolic link: not collected" in notes["xk_inbound_nb"], notes["xk_inbound_nb"]
            inbound = notes["xk_inbound_files"]
            assert "source_copy.ipynb: symbolic link: not collected" in inbound and "gradebook.db" in inbound, inbound
            assert "pipe: pipe, socket or device: not collected" in inbound and "huge.bin: file over" in inbound
        assert "answers_from_the_source.ipynb.txt" in notes["xk_hand"], notes["xk_hand"]
        assert "moved to quarantine/" in notes["xk_hand"]
        if path == "plain":
            assert "submission not graded" in notes["xk_hand"]
        assert (result.course / "quarantine" / "xk_hand" / spec.name / "answers_from_the_source.ipynb.txt"
                ).is_symlink()


def _in_any_form(secret: str, text: str) -> str | None:
    if secret in text or secret[::-1] in text:
        return "as written or reversed"
    for form in (base64.b64encode(secret.encode()).decode().rstrip("="), secret.encode().hex()):
        if form in text:
            return "encoded"
    for how, view in disguised_views(text).items():
        if re.sub(r"[^0-9a-z]", "", secret.lower()) in view:
            return how
    return None


def test_no_key_hidden_test_or_secret_reaches_a_graded_notebook_or_feedback(run):
    path, result, specs, _, _ = run
    secrets = collect_secrets(ROOT)
    course = result.course
    for spec in specs:
        for student in ("xb_blank", *attackers_for(path)):
            graded = _outputs(course / "autograded" / student / spec.name / spec.notebook)
            feedback = "".join(p.read_text(errors="ignore") for p in (course / "feedback" / student / spec.name)
                               .rglob("*") if p.is_file() and not p.is_symlink())
            for where, text in (("graded outputs", graded), ("feedback", feedback)):
                for value in CANARIES.values():
                    assert _in_any_form(value, text) is None, (path, spec.name, student, where, value)
                # the feedback may show a graded drill's rubric and model replies; the kernel's outputs may not
                known = secrets.after_grading() if where == "feedback" else secrets
                leaks = scan_blob(f"{student}/{spec.name}/{where}.txt", text.encode(), known,
                                  student_facing=False)
                assert leaks == [], (path, spec.name, student, where, [str(x) for x in leaks][:5])
        reader = _outputs(course / "autograded" / "xk_read" / spec.name / spec.notebook)
        scanned = re.search(r"SCANNED (\d+)", reader)
        assert scanned and int(scanned.group(1)) > 50, (path, spec.name, reader[:500])  # it really did look
        for student in ("xk_inbound_files", "xk_hand"):
            own = _outputs(course / "autograded" / student / spec.name / spec.notebook)
            if student not in attackers_for(path) or (path == "plain" and student == "xk_hand"):
                continue  # not run on this path / refused before its code ran
            found = re.search(r"OWN-FOLDER-KEYFILES (\[.*\])", own)
            # only its own notebook, whose hidden tests were sealed before it was written (no key: scanned above)
            assert found and set(json.loads(found.group(1))) <= {spec.notebook}, (path, spec.name, student,
                                                                                 own[-300:])


def test_one_huge_line_is_cut_in_bytes(run):
    path, result, specs, _, _ = run
    if "xk_bytes" not in attackers_for(path):
        pytest.skip("the byte limits are the same preprocessor on both paths: checked on the warm path")
    for spec in specs:
        graded = result.course / "autograded" / "xk_bytes" / spec.name / spec.notebook
        assert graded.stat().st_size < 8_000_000, (path, spec.name, graded.stat().st_size)
        assert "output cut" in _outputs(graded)


def test_every_student_not_withheld_received_feedback(run):
    path, result, specs, _, _ = run
    for spec in specs:
        for student, r in result.of(spec.name).items():
            if student in ("xk_inbound_nb",) or (path == "plain" and student == "xk_hand"):
                continue  # nothing was graded for them: no notebook collected / submission refused
            assert r.feedback is not None, (path, spec.name, student, r.notes)
