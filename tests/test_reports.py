"""Item analysis: statistics checked against values worked out by hand, on small gradebooks built with
nbgrader's Gradebook API (no kernels), the A1 confusion matrix from hand-made submitted notebooks, and the
HTML and CSV files."""

from __future__ import annotations

import base64
import csv
import math
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from ipt_lib.course import assignment1
from ipt_lib.course.reports import (CSV_COLUMNS, corrected_item_total, item_analysis, render_html, write_reports)

A, NB = assignment1.ASSIGNMENT, "problem_areas"


def make_course(root: Path, scores: dict[str, dict[str, float | None]], items: dict[str, float], *,
                manual: dict[str, float] | None = None, keys: dict[str, tuple[str, str]] | None = None,
                assignment: str = A, notebook: str = NB) -> Path:
    """A course folder whose gradebook holds ``items`` (autograded test cells, name -> points), ``manual``
    (written answers), the hidden checks ``keys`` (item -> (answer name, key area)) and the students' scores
    (None: not graded by hand yet)."""
    from nbgrader.api import Gradebook

    manual = manual or {}
    keys = keys or {}
    course = root / "course"
    course.mkdir(parents=True, exist_ok=True)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_assignment(assignment)
        gb.add_notebook(notebook, assignment)
        for item, points in items.items():
            gb.add_grade_cell(item, notebook, assignment, max_score=points, cell_type="code")
            source = "from ipt_lib.grading import check_answer_format\n"
            if item in keys:
                name, area = keys[item]
                source += f"### BEGIN HIDDEN TESTS\nassert_area({name!r}, {area!r})\n### END HIDDEN TESTS"
            gb.add_source_cell(item, notebook, assignment, cell_type="code", source=source, locked=True)
        for name, _ in keys.values():
            gb.add_solution_cell(f"{name}_answer", notebook, assignment)
        for item, points in manual.items():
            gb.add_grade_cell(item, notebook, assignment, max_score=points, cell_type="markdown")
            gb.add_solution_cell(item, notebook, assignment)
        for student, row in scores.items():
            gb.add_student(student)
            gb.add_submission(assignment, student)
            for item, value in row.items():
                grade = gb.find_grade(item, notebook, assignment, student)
                if value is None:
                    grade.needs_manual_grade = True
                    continue
                if item in manual:
                    grade.manual_score = value
                else:
                    grade.auto_score = value
                grade.needs_manual_grade = False
        gb.db.commit()
    return course


def submit(course: Path, student: str, answers: dict[str, str], assignment: str = A, notebook: str = NB) -> None:
    """A submitted notebook whose answer cells hold ``answers`` (answer name -> the Python the student typed)."""
    cells = [new_code_cell("import ipt_lib")]
    for name, typed in answers.items():
        cell = new_code_cell(f"# Your answer for {name}\n{name} = {typed}")
        cell.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False, "grade_id": f"{name}_answer",
                                     "schema_version": 3}
        cells.append(cell)
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), folder / f"{notebook}.ipynb")


def by_item(analysis):
    return {i.item: i for i in analysis.items}


# --- statistics by hand ------------------------------------------------------------------------------------------

THREE = {"s1": {"a": 1, "b": 1, "c": 1}, "s2": {"a": 1, "b": 1, "c": 0}, "s3": {"a": 0, "b": 0, "c": 0}}


def test_difficulty_and_point_biserial_match_hand_computation(tmp_path):
    # a = (1,1,0), rest = b + c = (2,1,0): r = 1 / sqrt(2/3 * 2) = sqrt(3)/2.
    # c = (1,0,0), rest = a + b = (2,2,0): r = (2/3) / sqrt(6/9 * 24/9) = 1/2.
    course = make_course(tmp_path, THREE, {"a": 1, "b": 1, "c": 1})
    items = by_item(item_analysis(course, A))
    assert items["a"].difficulty == pytest.approx(2 / 3)
    assert items["a"].discrimination == pytest.approx(math.sqrt(3) / 2)
    assert items["c"].difficulty == pytest.approx(1 / 3)
    assert items["c"].discrimination == pytest.approx(0.5)
    assert items["a"].note.startswith("point-biserial") and items["a"].n == 3


def test_negatively_discriminating_item_is_flagged(tmp_path):
    # n = (0,0,0,1,1), rest = a + b + c = (3,2,2,0,1): sxy = -2.2, sxx = 1.2, syy = 5.2, r = -2.2 / sqrt(6.24).
    scores = {"s1": {"a": 1, "b": 1, "c": 1, "n": 0}, "s2": {"a": 1, "b": 1, "c": 0, "n": 0},
              "s3": {"a": 1, "b": 0, "c": 1, "n": 0}, "s4": {"a": 0, "b": 0, "c": 0, "n": 1},
              "s5": {"a": 0, "b": 1, "c": 0, "n": 1}}
    course = make_course(tmp_path, scores, {"a": 1, "b": 1, "c": 1, "n": 1})
    n = by_item(item_analysis(course, A))["n"]
    assert n.discrimination == pytest.approx(-2.2 / math.sqrt(6.24))
    assert n.flags == ("negatively discriminating",)


def test_partial_credit_item_uses_pearson_and_difficulty_is_share_of_points(tmp_path):
    # p (2 points) = (2, 1, 0) -> difficulty 3/6; rest = a + b = (2, 2, 0): sxy = 2, sxx = 2, syy = 8/3,
    # r = 2 / sqrt(16/3) = sqrt(3)/2.
    scores = {"s1": {"a": 1, "b": 1, "p": 2}, "s2": {"a": 1, "b": 1, "p": 1}, "s3": {"a": 0, "b": 0, "p": 0}}
    course = make_course(tmp_path, scores, {"a": 1, "b": 1, "p": 2})
    p = by_item(item_analysis(course, A))["p"]
    assert p.difficulty == pytest.approx(0.5) and p.mean == pytest.approx(1.0) and p.max_points == 2
    assert p.discrimination == pytest.approx(math.sqrt(3) / 2)
    assert p.note.startswith("corrected item-total")


def test_one_student_gets_difficulty_but_no_discrimination(tmp_path):
    course = make_course(tmp_path, {"solo": {"a": 1, "b": 0}}, {"a": 1, "b": 1})
    analysis = item_analysis(course, A)
    items = by_item(analysis)
    assert analysis.n == 1 and analysis.total.values == (1.0,) and analysis.total.sd is None
    assert items["a"].difficulty == 1.0 and items["a"].discrimination is None
    assert items["a"].note == "fewer than 3 students (1)"
    assert items["a"].flags == ("too easy",) and items["b"].flags == ("too hard",)
    assert "n/a" in render_html(analysis)


def test_two_students_still_too_few_for_discrimination(tmp_path):
    course = make_course(tmp_path, {"s1": {"a": 1, "b": 1}, "s2": {"a": 0, "b": 1}}, {"a": 1, "b": 1})
    items = by_item(item_analysis(course, A))
    assert items["a"].difficulty == 0.5 and items["a"].discrimination is None
    assert items["a"].note == "fewer than 3 students (2)"


def test_zero_variance_is_na_with_the_reason(tmp_path):
    scores = {s: {"same": 1, "a": a, "b": b} for s, a, b in (("s1", 1, 1), ("s2", 0, 1), ("s3", 0, 0))}
    course = make_course(tmp_path, scores, {"same": 1, "a": 1, "b": 1})
    items = by_item(item_analysis(course, A))
    assert items["same"].discrimination is None
    assert items["same"].note == "no variance: every student scored 1 on this item"
    assert items["same"].flags == ("too easy",)
    assert items["a"].discrimination is not None


def test_rest_without_variance_and_single_item_are_explained(tmp_path):
    scores = {"s1": {"a": 1, "b": 1}, "s2": {"a": 0, "b": 1}, "s3": {"a": 1, "b": 1}}
    items = by_item(item_analysis(make_course(tmp_path / "x", scores, {"a": 1, "b": 1}), A))
    assert items["a"].note.startswith("no variance in the other items")
    single = item_analysis(make_course(tmp_path / "y", {"s1": {"a": 1}, "s2": {"a": 0}, "s3": {"a": 1}},
                                       {"a": 1}), A)
    assert single.items[0].note == "no other autograded item to correlate with"


def test_flag_thresholds_are_strict():
    from ipt_lib.course.reports.analysis import flags as _flags

    assert _flags(0.9, 0.0) == () and _flags(0.3, None) == ()
    assert _flags(0.91, -0.01) == ("too easy", "negatively discriminating") and _flags(0.29, 0.5) == ("too hard",)


def test_a_discrimination_shown_as_minus_zero_is_not_flagged():
    from ipt_lib.course.reports.analysis import flags as _flags

    assert _flags(0.5, -0.004) == () and _flags(0.5, -0.0) == ()
    assert _flags(0.5, -0.006) == ("negatively discriminating",)


def test_corrected_item_total_refuses_fewer_than_three():
    assert corrected_item_total([1, 0], [0, 1]) == (None, "fewer than 3 students (2)")


def test_distributions_keep_auto_and_manual_apart_and_leave_out_pending(tmp_path):
    scores = {"s1": {"a": 1, "b": 1, "essay": 4}, "s2": {"a": 1, "b": 0, "essay": 2},
              "s3": {"a": 0, "b": 0, "essay": None}}
    analysis = item_analysis(make_course(tmp_path, scores, {"a": 1, "b": 1}, manual={"essay": 4}), A)
    assert analysis.auto.values == (2.0, 1.0, 0.0) and analysis.auto.max_possible == 2
    assert analysis.manual.values == (4.0, 2.0) and analysis.manual.pending == 1
    assert analysis.total.values == (6.0, 3.0) and analysis.total.pending == 1 and analysis.total.max_possible == 6
    assert [i.item for i in analysis.items] == ["a", "b"] and analysis.manual_items == ("essay",)


# --- nothing to analyse ------------------------------------------------------------------------------------------

def test_zero_submissions_give_a_message_and_files_without_crashing(tmp_path):
    course = make_course(tmp_path, {}, {"a": 1, "b": 1})
    analysis = item_analysis(course, A)
    assert analysis.n == 0 and analysis.items == [] and "No submissions of" in analysis.message
    html_path, csv_path = write_reports(course, tmp_path / "out", [A])
    assert "No submissions of" in html_path.read_text(encoding="utf-8")
    assert csv_path.read_text(encoding="utf-8").splitlines() == [",".join(CSV_COLUMNS)]


def test_unknown_assignment_and_missing_gradebook_are_clear_errors(tmp_path):
    course = make_course(tmp_path, {}, {"a": 1})
    with pytest.raises(ValueError, match=r"'nope' is not in the gradebook .* a1_problem_areas"):
        item_analysis(course, "nope")
    with pytest.raises(FileNotFoundError, match="No gradebook"):
        item_analysis(tmp_path / "elsewhere", A)


# --- the confusion matrix of assignment 1 --------------------------------------------------------------------------

KEYS = {"case_1_test": ("case_1", "grief"), "case_2_test": ("case_2", "role dispute"),
        "case_3_test": ("case_3", "role transition")}


def a1_course(tmp_path):
    scores = {"s1": {"case_1_test": 1, "case_2_test": 1, "case_3_test": 0},
              "s2": {"case_1_test": 0, "case_2_test": 0, "case_3_test": 0},
              "s3": {"case_1_test": 0, "case_2_test": 0, "case_3_test": 0}}
    course = make_course(tmp_path, scores, {k: 1 for k in KEYS}, keys=KEYS)
    submit(course, "s1", {"case_1": '"grief"', "case_2": '"Role-Disputes."', "case_3": '"grief"'})
    submit(course, "s2", {"case_1": "...", "case_2": "grief", "case_3": '"loss"'})
    # s3 submitted no readable notebook: every answer counts as blank
    # the case file the course released names the vignette behind each item (the item analysis reads it there)
    deck = Path(__file__).resolve().parents[1] / "source" / A / assignment1.DECK
    (course / "source" / A).mkdir(parents=True, exist_ok=True)
    (course / "source" / A / assignment1.DECK).write_bytes(deck.read_bytes())
    return course


def test_confusion_matrix_from_the_answer_text(tmp_path):
    analysis = item_analysis(a1_course(tmp_path), A)
    (matrix,) = analysis.confusion
    assert matrix.rows == ("grief", "role dispute", "role transition", "interpersonal deficits")
    assert matrix.columns == matrix.rows + ("unreadable", "blank")
    assert matrix.counts == ((1, 0, 0, 0, 0, 2),   # s1 right; s2 left ..., s3 no notebook
                             (0, 1, 0, 0, 1, 1),   # s1 'Role-Disputes.' reads as role dispute; s2 unquoted
                             (1, 0, 0, 0, 1, 1),   # s1 chose grief; s2 'loss' is ambiguous
                             (0, 0, 0, 0, 0, 0))
    assert (matrix.correct, matrix.total) == (2, 9)


def test_most_confused_vignettes_name_the_vignette_and_the_wrong_area(tmp_path):
    analysis = item_analysis(a1_course(tmp_path), A)
    (confused,) = analysis.most_confused
    assert confused.item == "case_3_test" and confused.vignette == assignment1.case_sets().graded[2]
    assert confused.key == "role transition" and confused.wrong_classes == (("grief", 1),)
    assert by_item(analysis)["case_1_test"].vignette == assignment1.case_sets().graded[0]


def test_without_the_released_case_file_the_items_name_no_vignette(tmp_path):
    course = a1_course(tmp_path)
    (course / "source" / A / assignment1.DECK).unlink()
    assert all(item.vignette == "" for item in item_analysis(course, A).items)


def test_blank_answers_are_told_apart_from_unreadable_ones(tmp_path):
    from ipt_lib.course.reports.analysis import read_answers as _read_answers

    course = make_course(tmp_path, {"s": {"case_1_test": 0}}, {"case_1_test": 1},
                         keys={"case_1_test": KEYS["case_1_test"]})
    keyed = {"case_1_test": ("problem area", NB, "case_1", "grief")}
    for typed, expected in [("...", "blank"), ('""', "blank"), ('"  "', "blank"), ("3", "unreadable"),
                            ('"grieve"', "unreadable"), ('"grief and role dispute"', "unreadable"),
                            ('"grief" + 1/0', "unreadable"), ('"Grief and Loss"', "grief")]:
        submit(course, "s", {"case_1": typed})
        assert _read_answers(course, A, ["s"], keyed)["case_1_test"]["s"] == expected, typed


# --- the files ---------------------------------------------------------------------------------------------------

def test_html_is_self_contained_with_figures_tables_and_alt_text(tmp_path):
    course = a1_course(tmp_path)
    html_path, csv_path = write_reports(course, tmp_path / "reports", [A])
    assert html_path.name == f"item-analysis-{A}.html" and csv_path.name == f"item-analysis-{A}.csv"
    page = html_path.read_text(encoding="utf-8")
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)">', page)
    assert len(images) == 3  # histogram, difficulty-discrimination scatter, confusion heatmap
    for data, alt in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n" and len(alt) > 40
    assert "Histogram of the total scores of 3 students" in page
    assert "Heatmap of key problem area" in page and "<figcaption>" in page
    assert "<table>" in page and "Most confused vignettes" in page and "case_3" in page
    assert not re.search(r"(src|href)=\"(https?:|file:|/)", page)  # nothing fetched from elsewhere


def test_csv_has_one_row_per_item_and_never_the_key(tmp_path):
    course = a1_course(tmp_path)
    _, csv_path = write_reports(course, tmp_path / "reports", [A])
    text = csv_path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["item"] for r in rows] == list(KEYS)
    assert rows[0]["discrimination"] != "" and rows[0]["n"] == "3"
    for label in ("grief", "role dispute", "role transition", "deficits"):
        assert label not in text.lower()


def test_write_reports_defaults_to_every_assignment_in_the_course_folder(tmp_path):
    course = make_course(tmp_path, THREE, {"a": 1, "b": 1, "c": 1})
    written = write_reports(course)
    assert [p.name for p in written] == [f"item-analysis-{A}.html", f"item-analysis-{A}.csv"]
    assert all(p.parent == course for p in written)


def test_figures_use_no_pyplot_state(tmp_path):
    import sys

    course = make_course(tmp_path, THREE, {"a": 1, "b": 1, "c": 1})
    write_reports(course, tmp_path / "r", [A])
    assert "matplotlib.pyplot" not in sys.modules or not sys.modules["matplotlib.pyplot"].get_fignums()


@pytest.mark.slow
def test_report_on_the_sample_class_of_assignment_1(tmp_path, root):
    """The real cycle (nbgrader, kernels) on the sample class; the sample answers give a known matrix."""
    from ipt_lib.course.cycle import default_specs, run_cycle
    from ipt_lib.course.sandbox import bwrap_path

    specs = default_specs(root)[:1]
    result = run_cycle(tmp_path / "cycle", specs=specs, timeout=10, quiet=True, sandbox=bwrap_path() is not None)
    analysis = item_analysis(result.course, A)
    assert analysis.n == len(specs[0].profiles)
    expected_auto = sorted(p.expected_auto for p in specs[0].profiles)
    assert sorted(analysis.auto.values) == expected_auto
    (matrix,) = analysis.confusion
    assert matrix.total == 8 * analysis.n
    assert sum(row[-1] for row in matrix.counts) >= 8  # ben submitted the notebook untouched
    paths = write_reports(result.course, result.course, [A])
    assert all(p.exists() for p in paths)
