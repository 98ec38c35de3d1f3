"""LMS export: the exact Canvas and Moodle layouts, roster matching, and nothing silently zero or blank.
Gradebooks are built with nbgrader's Gradebook API (no kernels)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from ipt_lib.course.lms import (BOM, NOTES_COLUMNS, RosterEntry, export_canvas, export_lms, export_moodle,
                                read_roster)

DUE = dt.datetime(2025, 3, 10, 12, 0)
ROOT = Path(__file__).resolve().parents[1]


def make_gradebook(root: Path) -> Path:
    """a1 (6 autograded + 4 written = 10 points, due DUE) and a2 (5 autograded) for five gradebook students:

    ada: a1 on time 8; a2 missing.               bea: a1 2 h late, 9 - penalty 3 = 6; a2 4.5.
    zoe: a1 written answer not graded yet; a2 5.  noemail: a1 7, no email anywhere.  ghost: not in the roster.
    """
    from nbgrader.api import Gradebook

    course = root / "course"
    course.mkdir(parents=True)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_assignment("a1", duedate=DUE)
        gb.add_assignment("a2")
        gb.add_notebook("nb", "a1")
        gb.add_grade_cell("q", "nb", "a1", max_score=6, cell_type="code")
        gb.add_grade_cell("essay", "nb", "a1", max_score=4, cell_type="markdown")
        gb.add_solution_cell("essay", "nb", "a1")
        gb.add_notebook("nb", "a2")
        gb.add_grade_cell("q", "nb", "a2", max_score=5, cell_type="code")
        for sid, first, last, email in [("ada", "Ada", "Lovelace", "ada@uni.example"),
                                        ("bea", "Bea", "Smith", "Bea.Smith@uni.example"),
                                        ("zoe", "Zoë", "Ñúñez", "zoe@uni.example"),
                                        ("noemail", "Юлия", "Петрова", None),
                                        ("ghost", "Gus", "Host", "ghost@uni.example")]:
            gb.add_student(sid, first_name=first, last_name=last, email=email)

        def grade(assignment, student, q, essay=None, *, when=DUE - dt.timedelta(hours=1), penalty=0.0):
            sub = gb.add_submission(assignment, student, timestamp=when)
            g = gb.find_grade("q", "nb", assignment, student)
            g.auto_score, g.needs_manual_grade = q, False
            if assignment == "a1":
                e = gb.find_grade("essay", "nb", "a1", student)
                if essay is not None:
                    e.manual_score, e.needs_manual_grade = essay, False
            sub.notebooks[0].late_submission_penalty = penalty

        grade("a1", "ada", 5, 3)
        grade("a1", "bea", 6, 3, when=DUE + dt.timedelta(hours=2), penalty=3.0)
        grade("a2", "bea", 4.5)
        grade("a1", "zoe", 6)
        grade("a2", "zoe", 5)
        grade("a1", "noemail", 4, 3)
        grade("a1", "ghost", 6, 4)
        gb.db.commit()
    return course


def write_roster(path: Path, rows: list[dict], bom: bool = True) -> Path:
    columns = ["id", "first_name", "last_name", "email", "lms_id", "sis_id", "login_id", "section"]
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


ROSTER = [
    {"id": "ada", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@uni.example", "lms_id": "501",
     "sis_id": "S-1", "login_id": "alovelace", "section": "Tuesday"},
    # matched by email (case-insensitive): the LMS export gave another id
    {"id": "b.smith", "first_name": "Bea", "last_name": "Smith", "email": "bea.smith@uni.example", "lms_id": "502",
     "sis_id": "S-2", "login_id": "", "section": "Tuesday"},
    {"id": "zoe", "first_name": "Zoë", "last_name": "Ñúñez", "email": "zoe@uni.example", "lms_id": "503",
     "sis_id": "S-3", "login_id": "znunez", "section": "Thursday"},
    {"id": "noemail", "first_name": "Юлия", "last_name": "Петрова", "email": "", "lms_id": "", "sis_id": "S-4",
     "login_id": "", "section": ""},
    {"id": "newbie", "first_name": "Nia", "last_name": "New", "email": "nia@uni.example", "lms_id": "505",
     "sis_id": "", "login_id": "", "section": ""},
]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return make_gradebook(tmp_path_factory.mktemp("lms"))


@pytest.fixture
def roster(tmp_path) -> Path:
    return write_roster(tmp_path / "roster.csv", ROSTER)


def rows_of(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM.encode("utf-8"))
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


def notes_of(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def note(notes, lms_file, student, assignment) -> dict:
    (found,) = [n for n in notes if (n["lms_file"], n["student"], n["assignment"]) == (lms_file, student, assignment)]
    return found


# --- Canvas ------------------------------------------------------------------------------------------------------

def test_canvas_header_and_points_possible_rows_are_exact(course, roster, tmp_path):
    out = export_canvas(course, roster, tmp_path / "canvas.csv", assignment_ids={"a1": 7001}, echo=None)
    rows = rows_of(out)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "a1 (7001)", "a2"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10", "5"]
    assert out.read_bytes().startswith(BOM.encode() + b"Student,ID,")  # unquoted after the BOM: Ruby's CSV reads it


def test_canvas_rows_hold_scores_penalties_and_empty_no_grade_cells(course, roster, tmp_path):
    rows = {r[0]: r for r in rows_of(export_canvas(course, roster, tmp_path / "canvas.csv", echo=None))[2:]}
    assert rows["Lovelace, Ada"] == ["Lovelace, Ada", "501", "S-1", "alovelace", "Tuesday", "8", ""]
    assert rows["Smith, Bea"] == ["Smith, Bea", "502", "S-2", "bea.smith@uni.example", "Tuesday", "6", "4.5"]
    assert rows["Ñúñez, Zoë"][5:] == ["", "5"]          # written answer not graded yet: no grade
    assert rows["Петрова, Юлия"] == ["Петрова, Юлия", "", "S-4", "", "", "7", ""]
    assert rows["New, Nia"][5:] == ["", ""]               # in the roster, never submitted
    assert not any("Host" in name for name in rows)       # in the gradebook, not in the roster


def test_canvas_notes_make_every_blank_and_penalty_explicit(course, roster, tmp_path):
    out = export_canvas(course, roster, tmp_path / "canvas.csv", echo=None)
    notes = notes_of(tmp_path / "lms-export-notes.csv")
    assert list(notes[0]) == NOTES_COLUMNS
    missing = note(notes, out.name, "ada", "a2")
    assert missing["status"] == "missing" and missing["exported_as"] == "empty cell"
    assert "left ungraded" in missing["detail"]
    late = note(notes, out.name, "b.smith", "a1")
    assert late["status"] == "late (penalty applied 3 points)" and late["exported_as"] == "'6'"
    assert "2 h after the due date" in late["detail"] and "9 - penalty 3 = 6" in late["detail"]
    assert note(notes, out.name, "zoe", "a1")["status"] == "needs manual grading"
    assert note(notes, out.name, "ghost", "(all)")["status"] == "not in roster"
    assert note(notes, out.name, "newbie", "(all)")["status"] == "not in gradebook"
    assert {n["status"] for n in notes if n["student"] == "newbie" and n["assignment"] != "(all)"} == {"missing"}


def test_missing_can_count_as_zero_on_request_and_stays_explicit(course, roster, tmp_path):
    out = export_canvas(course, roster, tmp_path / "canvas.csv", missing="zero", echo=None)
    rows = {r[0]: r for r in rows_of(out)[2:]}
    assert rows["Lovelace, Ada"][6] == "0" and rows["Ñúñez, Zoë"][5] == ""  # ungraded written work is never 0
    missing = note(notes_of(tmp_path / "lms-export-notes.csv"), out.name, "ada", "a2")
    assert missing["status"] == "missing" and "counted as 0" in missing["detail"]
    with pytest.raises(ValueError, match="missing must be one of"):
        export_canvas(course, roster, tmp_path / "x.csv", missing="blank", echo=None)


def test_summary_is_printed(course, roster, tmp_path):
    lines = []
    export_canvas(course, roster, tmp_path / "canvas.csv", echo=lines.append)
    (summary,) = lines
    assert "Canvas export" in summary and "5 students x 2 assignments" in summary
    assert "missing 4 (left ungraded)" in summary and "late 1" in summary and "needs manual grading 1" in summary
    assert "not in roster: 1 (ghost)" in summary and "not in gradebook: 1 (newbie)" in summary


# --- Moodle ------------------------------------------------------------------------------------------------------

def test_moodle_header_identifier_first_and_dash_for_no_grade(course, roster, tmp_path):
    out = export_moodle(course, roster, tmp_path / "moodle.csv", echo=None)
    rows = rows_of(out)
    assert rows[0] == ["Email address", "First name", "Last name", "a1", "a2"]
    by_key = {r[0]: r for r in rows[1:]}
    assert by_key["ada@uni.example"] == ["ada@uni.example", "Ada", "Lovelace", "8", "-"]
    assert by_key["bea.smith@uni.example"][3:] == ["6", "4.5"]
    assert by_key["zoe@uni.example"] == ["zoe@uni.example", "Zoë", "Ñúñez", "-", "5"]
    assert by_key["nia@uni.example"][3:] == ["-", "-"]
    assert len(rows) == 5  # header + 4: the student without an email is left out, never a blank identifier
    skipped = note(notes_of(tmp_path / "lms-export-notes.csv"), out.name, "noemail", "(all)")
    assert skipped["status"] == "not exported: no email in the roster"


def test_moodle_can_match_by_id_number(course, roster, tmp_path):
    rows = rows_of(export_moodle(course, roster, tmp_path / "moodle.csv", identifier="idnumber", echo=None))
    assert rows[0][0] == "ID number"
    assert [r[0] for r in rows[1:]] == ["S-1", "S-2", "S-3", "S-4"]
    assert rows[4] == ["S-4", "Юлия", "Петрова", "7", "-"]
    with pytest.raises(ValueError, match="identifier must be one of"):
        export_moodle(course, roster, tmp_path / "m.csv", identifier="name", echo=None)


def test_both_exports_share_one_notes_file(course, roster, tmp_path):
    paths = export_lms(course, roster, tmp_path / "lms", echo=None)
    assert [p.name for p in paths] == ["canvas-grades.csv", "moodle-grades.csv", "lms-export-notes.csv"]
    notes = notes_of(paths[2])
    assert {n["lms_file"] for n in notes} == {"canvas-grades.csv", "moodle-grades.csv"}
    assert note(notes, "moodle-grades.csv", "ada", "a2")["exported_as"] == "'-'"
    export_canvas(course, roster, paths[0], echo=None)  # again: its rows are replaced, Moodle's kept
    again = notes_of(paths[2])
    assert len(again) == len(notes)


# --- roster ------------------------------------------------------------------------------------------------------

def test_roster_matching_by_id_then_email(course, roster):
    from ipt_lib.course.lms import collect

    data = collect(course, roster)
    matched = {data.roster[i].id: sid for i, sid in data.gradebook_id.items()}
    assert matched == {"ada": "ada", "b.smith": "bea", "zoe": "zoe", "noemail": "noemail"}
    assert [data.roster[i].id for i in data.matched_by_email] == ["b.smith"]
    assert data.not_in_roster == [("ghost", "Gus Host")]


def test_roster_reads_excel_bom_and_keeps_non_ascii(tmp_path):
    path = write_roster(tmp_path / "r.csv", ROSTER[2:3], bom=True)
    (entry,) = read_roster(path)
    assert entry == RosterEntry("zoe", "Zoë", "Ñúñez", "zoe@uni.example", "503", "S-3", "znunez", "Thursday")
    plain = tmp_path / "nbgrader.csv"
    plain.write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@uni.example\n", encoding="utf-8")
    assert read_roster(plain)[0].lms_id == ""


@pytest.mark.parametrize("text, message", [
    ("id,first_name,email\nada,Ada,a@x\n", "no column last_name"),
    ("id,first_name,last_name,email\nada,A,L,a@x\nada,B,M,b@x\n", "repeats id 'ada'"),
    ("id,first_name,last_name,email\nx,A,L,A@x\ny,B,M,a@X\n", "repeats email 'a@x'"),
    ("id,first_name,last_name,email\n,A,L,\n", "line 2: a student needs an id or an email"),
])
def test_roster_problems_are_named(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_roster(path)


def test_unknown_assignment_and_missing_files_are_clear(course, roster, tmp_path):
    with pytest.raises(ValueError, match="not in the gradebook: a9"):
        export_canvas(course, roster, tmp_path / "c.csv", assignments=["a9"], echo=None)
    with pytest.raises(FileNotFoundError, match="No roster"):
        export_canvas(course, tmp_path / "none.csv", tmp_path / "c.csv", echo=None)
    with pytest.raises(FileNotFoundError, match="No gradebook"):
        export_moodle(tmp_path, roster, tmp_path / "m.csv", echo=None)


def test_canvas_row_without_any_identifier_is_noted_as_matched_by_name(course, tmp_path):
    roster = [RosterEntry("noemail", "Юлия", "Петрова")]
    out = export_canvas(course, roster, tmp_path / "canvas.csv", echo=None)
    assert rows_of(out)[2] == ["Петрова, Юлия", "", "", "", "", "7", ""]
    flagged = note(notes_of(tmp_path / "lms-export-notes.csv"), out.name, "noemail", "(all)")
    assert flagged["status"] == "matched by name only"


# --- Assignment 7: one assignment, several hand-graded cells ------------------------------------------------------

A7 = "a7_fidelity"


def make_a7_gradebook(root: Path) -> tuple[Path, dict[str, float]]:
    """a7's grade cells exactly as its source notebook declares them (three 15-point ratings, four 3-point drills
    graded by hand), for three students: ada (every drill graded), zoe (two of four), ben (none yet)."""
    import nbformat
    from nbgrader.api import Gradebook

    from ipt_lib.course import assignment7

    source = nbformat.read(ROOT / "source" / A7 / assignment7.NOTEBOOK, as_version=4)
    notebook = assignment7.NOTEBOOK.removesuffix(".ipynb")
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells
             if c.metadata.get("nbgrader", {}).get("grade")}
    points = {name: float(c.metadata["nbgrader"]["points"]) for name, c in cells.items()}
    course = root / "a7course"
    course.mkdir(parents=True)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_assignment(A7)
        gb.add_notebook(notebook, A7)
        for name, c in cells.items():
            gb.add_grade_cell(name, notebook, A7, max_score=points[name], cell_type=c.cell_type)
            if c.metadata["nbgrader"].get("solution"):
                gb.add_solution_cell(name, notebook, A7)
        manual = {"ada": {"D01_answer": 3, "D02_answer": 2, "D03_answer": 3, "D05_answer": 1},
                  "zoe": {"D01_answer": 2, "D03_answer": 3}, "ben": {}}
        for sid, first, last, email in [("ada", "Ada", "Lovelace", "ada@uni.example"),
                                        ("zoe", "Zoë", "Ñúñez", "zoe@uni.example"),
                                        ("ben", "Ben", "Blank", "ben@uni.example")]:
            gb.add_student(sid, first_name=first, last_name=last, email=email)
            gb.add_submission(A7, sid, timestamp=DUE)
            for name, c in cells.items():
                grade = gb.find_grade(name, notebook, A7, sid)
                if c.cell_type == "code":          # the ratings: autograded, 12 of 15 each
                    grade.auto_score, grade.needs_manual_grade = 12.0, False
                elif name in manual[sid]:          # a drill the grader has scored in Formgrader
                    grade.auto_score, grade.manual_score, grade.needs_manual_grade = None, manual[sid][name], False
                else:                              # a drill written but not graded yet
                    grade.auto_score, grade.needs_manual_grade = None, True
        gb.db.commit()
    return course, points


def test_a7_columns_count_every_drill_once_graded_and_none_before(tmp_path):
    from ipt_lib.course import assignment7

    course, points = make_a7_gradebook(tmp_path)
    total = sum(points.values())
    assert total == assignment7.RATING_POINTS * len(assignment7.GRADED_IDS) + sum(assignment7.MANUAL.values()) == 57
    roster = [RosterEntry("ada", "Ada", "Lovelace", "ada@uni.example", "501"),
              RosterEntry("zoe", "Zoë", "Ñúñez", "zoe@uni.example", "503"),
              RosterEntry("ben", "Ben", "Blank", "ben@uni.example", "504")]
    out = export_canvas(course, roster, tmp_path / "canvas.csv", echo=None)
    rows = rows_of(out)
    assert rows[0][5:] == [A7] and rows[1][5:] == ["57"]                 # points possible: 45 + 4 x 3
    by_name = {r[0]: r[5] for r in rows[2:]}
    assert by_name == {"Lovelace, Ada": "45", "Ñúñez, Zoë": "", "Blank, Ben": ""}  # 36 + 3 + 2 + 3 + 1 = 45
    notes = notes_of(tmp_path / "lms-export-notes.csv")
    zoe = note(notes, out.name, "zoe", A7)
    assert zoe["status"] == "needs manual grading" and zoe["exported_as"] == "empty cell"
    assert "graded so far 41 of 51 points" in zoe["detail"]              # 36 autograded + 2 + 3 by hand
    assert "2 hand-graded cell(s) worth 6 not graded yet: D02_answer (3), D05_answer (3)" in zoe["detail"]
    ben = note(notes, out.name, "ben", A7)
    assert "graded so far 36 of 45 points" in ben["detail"] and "4 hand-graded cell(s) worth 12" in ben["detail"]
    moodle = rows_of(export_moodle(course, roster, tmp_path / "moodle.csv", echo=None))
    assert {r[0]: r[3] for r in moodle[1:]} == {"ada@uni.example": "45", "zoe@uni.example": "-",
                                                "ben@uni.example": "-"}
