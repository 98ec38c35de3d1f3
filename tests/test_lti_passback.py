"""Grade passback over LTI Advantage AGS, against a real LTI 1.3 platform (lti1p3platform) on loopback.

The course is test_lms's gradebook (nbgrader's API, no kernels): ada a1 8 / a2 missing; bea a1 late 9 - 3 = 6,
a2 4.5; zoe a1 written answer not graded, a2 5; noemail (Юлия) a1 7; ghost has no LTI user id.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pylti1p3", reason="the lti extra: pip install -e '.[lti]'")
pytest.importorskip("lti1p3platform", reason="the test extra")

from lti_platform import LoopbackPlatform  # noqa: E402
from test_lms import make_gradebook  # noqa: E402

from ipt_lib.course.lti_config import keygen, load_config  # noqa: E402
from ipt_lib.course.lti_passback import TAG, push, read_results  # noqa: E402

SUBS = {"ada": "sub-ada-5f1c", "bea": "sub-bea-77a0", "zoe": "sub-zoe-09b3", "noemail": "sub-yulia-3e2d"}


def write_config(course: Path, lms: LoopbackPlatform, users: dict[str, str]) -> Path:
    lines = ["[platform]", 'issuer = "https://lms.loopback.test"', 'client_id = "ipt-workbook-tool"',
             f'token_url = "{lms.token_url}"', f'lineitems_url = "{lms.lineitems_url}"', "timeout = 5", "",
             "[tool]", 'private_key = "keys/lti-private-key.pem"', "", "[users]"]
    lines += [f'{student} = "{sub}"' for student, sub in users.items()]
    path = course / "lti.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_gradebook(tmp_path_factory.mktemp("lti"))  # about 4 s: made once, copied for each test


@pytest.fixture
def course(template, tmp_path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(template, course)
    course.joinpath("keys").mkdir()
    return course


@pytest.fixture
def tool_jwks(course) -> dict:
    return keygen(course / "keys" / "lti-private-key.pem")


@pytest.fixture
def lms(course, tool_jwks):
    with LoopbackPlatform(set(SUBS.values()), tool_jwks) as platform:
        write_config(course, platform, SUBS)
        yield platform


def posts(lms, suffix: str) -> int:
    return sum(1 for method, path, _ in lms.course.calls if method == "POST" and path.endswith(suffix))


def test_first_push_makes_one_line_item_per_assignment_and_the_lms_reports_the_csv_export_grades(course, lms):
    from ipt_lib.course.lms import RosterEntry, export_canvas

    report = push(course, echo=None)
    assert report.ok and report.created == ["a1", "a2"] and report.reused == []
    items = sorted(lms.course.lineitems.values(), key=lambda i: i["resourceId"])
    assert [(i["resourceId"], i["tag"], i["scoreMaximum"], i["label"]) for i in items] == [
        ("ipt-workbook:a1", TAG, 10.0, "a1"), ("ipt-workbook:a2", TAG, 5.0, "a2")]
    # read back from the platform, through its AGS results service
    held = read_results(load_config(course))
    by_sub = {sub: student for student, sub in SUBS.items()}
    lms_grades = {(by_sub[user], a): r.get("resultScore") for a, results in held.items() for user, r in results.items()}
    # the Canvas CSV export of the same gradebook, same students: every cell agrees (blank = no grade in the LMS)
    out = export_canvas(course, [RosterEntry(s) for s in SUBS], course / "canvas.csv", echo=None)
    rows = [line.split(",") for line in out.read_text(encoding="utf-8-sig").splitlines()[2:]]
    csv_grades = {(row[0], a): row[5 + i] for row in rows for i, a in enumerate(["a1", "a2"])}
    for (student, assignment), text in csv_grades.items():
        assert lms_grades.get((student, assignment)) == (float(text) if text else None), (student, assignment)
    assert ("ada", "a2") not in lms_grades                       # missing: nothing sent at all
    assert lms_grades[("zoe", "a1")] is None                       # sent as pending, without a grade
    pending = lms.course.results[(items[0]["id"], SUBS["zoe"])]
    assert pending["gradingProgress"] == "PendingManual" and "scoreGiven" not in pending
    late = held["a1"][SUBS["bea"]]
    assert late["resultScore"] == 6 and "2 h after the due date" in late["comment"] and "9 - 3 = 6" in late["comment"]
    assert "submission" not in lms.course.results[(items[0]["id"], SUBS["bea"])]  # no submittedAt: no LMS penalty
    assert [s.student for s in report.skipped if s.assignment == "(all)"] == ["ghost"]


def test_second_push_sends_nothing_creates_nothing_and_says_so(course, lms):
    push(course, echo=None)
    items, scores = len(lms.course.lineitems), len(lms.course.accepted)
    lines = []
    report = push(course, echo=lines.append)
    assert report.sent == [] and report.created == [] and report.reused == ["a1", "a2"]
    assert len(report.unchanged) == scores == 6
    assert len(lms.course.lineitems) == items == 2 and len(lms.course.accepted) == scores
    assert posts(lms, "/lineitems") == 2 and posts(lms, "/scores") == 6
    assert "nothing new to send: 6 score(s) already in the LMS" in lines[0]


def test_only_a_changed_grade_is_sent_again(course, lms):
    from nbgrader.api import Gradebook

    push(course, echo=None)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade("q", "nb", "a2", "bea").manual_score = 5.0
        gb.db.commit()
    report = push(course, echo=None)
    assert [(s.student, s.assignment, s.score) for s in report.sent] == [("bea", "a2", 5.0)]
    assert posts(lms, "/scores") == 7 and len(lms.course.lineitems) == 2
    assert read_results(load_config(course), ["a2"])["a2"][SUBS["bea"]]["resultScore"] == 5.0


def test_a_refused_score_is_reported_with_status_and_body_and_the_rest_are_sent(course, lms):
    write_config(course, lms, {**SUBS, "noemail": "sub-left-the-course"})
    lines = []
    report = push(course, echo=lines.append)
    (refusal,) = report.refused
    assert (refusal.student, refusal.assignment, refusal.status) == ("noemail", "a1", 422)
    assert "User not found in course" in refusal.body
    assert len(report.sent) == 5 and len(lms.course.accepted) == 5
    assert "REFUSED by the LMS 1" in lines[0] and "noemail a1 (score): HTTP 422" in lines[0]
    again = push(course, echo=None)  # a refusal is not "sent": tried again, alone
    assert [r.student for r in again.refused] == ["noemail"] and again.sent == [] and len(again.unchanged) == 5


def test_a_network_failure_half_way_stops_and_the_next_push_sends_only_the_rest(course, lms):
    def cut_after_two(accepted: int) -> None:
        if accepted == 2:
            lms.down = True

    lms.on_score = cut_after_two
    first = push(course, echo=None)
    assert len(first.sent) == 2 and first.left == 4 and "could not reach the LMS" in first.stopped
    lms.down, lms.on_score = False, None
    second = push(course, echo=None)
    assert len(second.sent) == 4 and len(second.unchanged) == 2 and second.ok
    sent_keys = [(url, score["userId"]) for url, score in lms.course.accepted]
    assert len(sent_keys) == 6 == len(set(sent_keys))                 # each score once, none lost
    assert len(lms.course.lineitems) == 2


def test_an_lms_without_the_tool_key_refuses_the_token_and_no_secret_is_printed(course, tool_jwks):
    other = {"keys": [{**tool_jwks["keys"][0], "n": tool_jwks["keys"][0]["n"][::-1]}]}  # not this tool's key
    with LoopbackPlatform(set(SUBS.values()), other) as lms:
        write_config(course, lms, SUBS)
        lines = []
        report = push(course, echo=lines.append)
    assert report.sent == [] and "HTTP 400" in report.stopped and "ipt-course lti jwks" in report.stopped
    key_text = (course / "keys" / "lti-private-key.pem").read_text()
    body = key_text.split("-----")[2].strip().splitlines()[1]
    assert body not in lines[0] and "client_assertion" not in lines[0]


def test_cli_push_then_push_again(course, lms, capsys):
    from ipt_lib.course.cli import main

    assert main(["lti", "push", "--course", str(course)]) == 0
    first = capsys.readouterr().out
    assert "line items: created 2 (a1, a2)" in first and "sent 6 score(s)" in first
    assert main(["lti", "push", "--course", str(course)]) == 0
    assert "nothing new to send" in capsys.readouterr().out
    journal = [json.loads(line) for line in (course / "lti-passback-journal.jsonl").read_text().splitlines()]
    assert sum(1 for e in journal if e["kind"] == "score" and e["accepted"]) == 6
    assert main(["lti", "results", "--course", str(course)]) == 0
    shown = capsys.readouterr().out
    assert "a1" in shown and "sub-bea-77a0" in shown and "6" in shown


# --- configuration ------------------------------------------------------------------------------------------------

def test_config_names_the_missing_value_and_refuses_a_readable_key(course, tool_jwks, tmp_path):
    lms_like = type("L", (), {"token_url": "http://127.0.0.1:9/token", "lineitems_url": "http://127.0.0.1:9/li"})
    path = write_config(course, lms_like, SUBS)
    assert load_config(course).users == SUBS
    path.write_text(path.read_text().replace('client_id = "ipt-workbook-tool"\n', ""))
    with pytest.raises(ValueError, match=r"\[platform\] client_id is missing"):
        load_config(course)
    write_config(course, lms_like, SUBS)
    (course / "keys" / "lti-private-key.pem").chmod(0o644)
    with pytest.raises(ValueError, match="chmod 600"):
        load_config(course)


def test_config_refuses_one_lti_user_for_two_students(course, tool_jwks):
    lms_like = type("L", (), {"token_url": "http://127.0.0.1:9/token", "lineitems_url": "http://127.0.0.1:9/li"})
    write_config(course, lms_like, {"ada": "same", "bea": "same"})
    with pytest.raises(ValueError, match="belong to more than one student"):
        load_config(course)


def test_keygen_never_overwrites_a_key(course, tool_jwks):
    assert tool_jwks["keys"][0]["kty"] == "RSA" and "d" not in tool_jwks["keys"][0]  # public part only
    with pytest.raises(FileExistsError):
        keygen(course / "keys" / "lti-private-key.pem")
