"""What a student leaves in the exchange's shared inbound/ folder, or an instructor copies into submitted/ by hand,
is hostile. The real `nbgrader collect` with the course's config copies plain files only, records what it left out,
and collects everyone else; autograde refuses or quarantines what collect would have left out."""

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ipt_lib.course.config import COURSE_ID
from ipt_lib.course.folderguard import safe_copy_submission, unsafe_entries, vet_submitted
from ipt_lib.course.nbgrader_cli import write_course_config

ASSIGNMENT = "a1_problem_areas"
STAMP = "2026-12-01 10:00:00.000000 UTC"


def _submission(inbound: Path, student: str, stamp: str = STAMP, suffix: str = "abc") -> Path:
    folder = inbound / f"{student}+{ASSIGNMENT}+{stamp}+{suffix}"
    folder.mkdir()
    (folder / "timestamp.txt").write_text(stamp)
    (folder / "problem_areas.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    return folder


@pytest.fixture
def course(tmp_path):
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    inbound = exchange / COURSE_ID / "inbound"
    inbound.mkdir(parents=True)
    course.mkdir()
    write_course_config(course, exchange=exchange)
    if os.environ.get("IPT_TEST_PLAIN_COLLECT"):  # to see the test fail with nbgrader's own collect
        config = course / "nbgrader_config.py"
        config.write_text(config.read_text() + "c.ExchangeFactory.collect = 'nbgrader.exchange.default.collect.ExchangeCollect'\n")
    secret = tmp_path / "instructor-only.txt"
    secret.write_text("SECRET-KEY-LINE case_7 grief")
    return course, inbound, secret


def _collect(course: Path) -> subprocess.CompletedProcess:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nbgrader", "collect", ASSIGNMENT], cwd=course, text=True,
                          capture_output=True, timeout=120)
    assert time.monotonic() - started < 120
    return done


def _report(course: Path) -> list[dict]:
    path = course / "integrity-files.csv"
    return list(csv.DictReader(path.open())) if path.exists() else []


def test_collect_copies_plain_files_only_and_collects_everyone_else(course):
    course, inbound, secret = course
    _submission(inbound, "ada")
    linker = _submission(inbound, "ben")
    (linker / "notes.txt").symlink_to(secret)                 # a link to what the instructor can read
    (linker / "folder").symlink_to(secret.parent)             # a link to a folder
    piper = _submission(inbound, "cat")
    os.mkfifo(piper / "inventory.json")                       # a reader that opens it would block for ever
    big = _submission(inbound, "dev")
    with open(big / "huge.bin", "wb") as handle:              # sparse: 60 MB on paper, nothing on disk
        handle.truncate(60_000_000)
    stamp = _submission(inbound, "eve")
    (stamp / "timestamp.txt").write_text("not a time")
    (inbound / f"fay+{ASSIGNMENT}+not-a-date+x").mkdir()       # nbgrader's collect stops the class on this name
    outside = inbound.parent / "elsewhere"
    outside.mkdir()
    (inbound / f"gus+{ASSIGNMENT}+{STAMP}+lnk").symlink_to(outside)

    done = _collect(course)
    assert done.returncode == 0, done.stdout + done.stderr
    submitted = course / "submitted"
    for student in ("ada", "ben", "cat", "dev", "eve"):      # each one's notebook is collected
        assert (submitted / student / ASSIGNMENT / "problem_areas.ipynb").is_file(), student
    assert not (submitted / "fay").exists() and not (submitted / "gus").exists()
    for path in submitted.rglob("*"):
        assert not path.is_symlink() and (path.is_dir() or path.is_file()), path
        assert "SECRET-KEY-LINE" not in (path.read_text(errors="ignore") if path.is_file() else "")
    assert not (submitted / "ben" / ASSIGNMENT / "notes.txt").exists()
    assert not (submitted / "cat" / ASSIGNMENT / "inventory.json").exists()
    assert not (submitted / "dev" / ASSIGNMENT / "huge.bin").exists()
    assert not (submitted / "eve" / ASSIGNMENT / "timestamp.txt").exists()
    report = {(r["student"], r["file"]): r["what was done"] for r in _report(course)}
    assert report[("ben", "notes.txt")] == "symbolic link: not collected"
    assert report[("ben", "folder")] == "symbolic link: not collected"
    assert report[("cat", "inventory.json")] == "pipe, socket or device: not collected"
    assert "file over 50,000,000 bytes: not collected" == report[("dev", "huge.bin")]
    assert "time stamp does not parse" in report[("eve", "timestamp.txt")]
    assert "folder name does not parse" in report[("fay", f"fay+{ASSIGNMENT}+not-a-date+x")]
    assert "is a symbolic link" in report[("gus", f"gus+{ASSIGNMENT}+{STAMP}+lnk")]
    assert secret.read_text() == "SECRET-KEY-LINE case_7 grief"   # nothing outside was touched


def test_safe_copy_never_follows_a_link_swapped_in_for_a_file(tmp_path):
    source, target = tmp_path / "src", tmp_path / "dst"
    source.mkdir()
    (source / "a.txt").write_text("mine")
    (source / "sub").mkdir()
    (source / "sub" / "b.txt").write_text("also mine")
    left_out = safe_copy_submission(str(source), str(target), max_total_bytes=8)
    assert (target / "a.txt").read_text() == "mine"
    assert ("sub/b.txt", "the folder would pass 8 bytes: not collected") in left_out


def test_autograde_moves_unsafe_files_out_of_submitted_and_keeps_them(tmp_path):
    course = tmp_path / "course"
    folder = course / "submitted" / "ben" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "problem_areas.ipynb").write_text("{}")
    (folder / "key.txt").symlink_to(tmp_path / "anywhere")
    os.mkfifo(folder / "pipe")
    moved = vet_submitted(str(course), "ben", ASSIGNMENT)
    assert sorted(p for p, _ in moved) == ["key.txt", "pipe"]
    assert unsafe_entries(str(folder)) == [] and (folder / "problem_areas.ipynb").exists()
    assert (course / "quarantine" / "ben" / ASSIGNMENT / "key.txt").is_symlink()
    assert {r["file"] for r in _report(course)} == {"key.txt", "pipe"}
