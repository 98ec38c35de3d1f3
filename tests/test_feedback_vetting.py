"""Returned feedback holds only the course's feedback pages, and one student's leak withholds only theirs."""

from __future__ import annotations

from pathlib import Path

from ipt_lib.course.cycle import vet_feedback
from ipt_lib.course.leaks import collect_secrets

ROOT = Path(__file__).resolve().parents[1]


def test_planted_files_are_left_out_and_a_leak_withholds_only_that_students_feedback(tmp_path):
    secrets = collect_secrets(ROOT)
    course = tmp_path / "course"
    for student in ("ana", "ben", "cai"):
        folder = course / "feedback" / student / "a1"
        folder.mkdir(parents=True)
        (folder / "problem_areas.html").write_text("<html><body>Case 1: correct.</body></html>")
        (folder / "timestamp.txt").write_text("2026-12-02 10:00:00.000000 UTC")  # release_feedback reads both
        (folder / "submission_secret.txt").write_text("a secret of nbgrader's")
    ana = course / "feedback" / "ana" / "a1"
    (ana / "gradebook.db").symlink_to(tmp_path / "elsewhere.db")         # a link the kernel left behind
    (ana / "source_copy.ipynb").write_text("{}")                          # a file copied from the student's folder
    (ana / "sub").mkdir()
    (ana / "sub" / "notes.txt").write_text("x")
    leak = next(line for line in secrets.lines if "assert_area(" in line)
    (course / "feedback" / "ben" / "a1" / "problem_areas.html").write_text(f"<pre>{leak}</pre>")
    withheld = vet_feedback(course, "a1", secrets)
    assert list(withheld) == ["ben"]
    assert sorted(p.name for p in ana.rglob("*")) == ["problem_areas.html", "submission_secret.txt", "timestamp.txt"]
    assert not (course / "feedback" / "ben" / "a1").exists()
    assert (course / "feedback-withheld" / "ben" / "a1" / "problem_areas.html").exists()
    assert (course / "feedback" / "cai" / "a1" / "problem_areas.html").exists()
    report = (course / "integrity-files.csv").read_text()
    assert "gradebook.db" in report and "source_copy.ipynb" in report and "ana" in report
