"""Computed answers (assignment 3): format checks, verdicts with tolerance and mistakes, sealing of the key."""

import numpy as np
import pandas as pd
import pytest
from nbformat import NotebookNode

from ipt_lib.errors import StudentFacingError
from ipt_lib.course.preprocessors import SealComputedKeys
from ipt_lib.course.sealing import REPORT_CALL, computed_checks
from ipt_lib.grading import (MissingAnswer, WrongAnswer, assert_computed, check_computed, computed_verdict,
                             normalise_computed)


@pytest.mark.parametrize("value, kind, expected", [
    (0.5, "proportion", 0.5), (np.float64(0.25), "proportion", 0.25), (pd.Series([0.3]), "proportion", 0.3),
    (np.array([7]), "number", 7.0), (7, "number", 7.0),
    ({"Grief": 0.5, "ROLE_DISPUTE": 0.4}, "by_area", {"grief": 0.5, "role dispute": 0.4}),
    (pd.Series({"Individual": 0.2, "group": 0.3}), "by_setting", {"individual": 0.2, "group": 0.3}),
    (np.array(["c002", "C001", "C001"]), "ids", ["C001", "C002"]), ({"C003"}, "ids", ["C003"]),
    (pd.Index(["C010"]), "ids", ["C010"]),
])
def test_valid_forms_are_read(value, kind, expected):
    assert normalise_computed("x", value, kind) == expected


@pytest.mark.parametrize("value, kind, message", [
    (..., "proportion", "No answer yet"), (52.5, "proportion", "percentage"), (-0.1, "proportion", "between 0 and 1"),
    ("0.5", "proportion", "single number"), (True, "number", "single number"), (float("nan"), "number", "single number"),
    (pd.Series([0.1, 0.2]), "proportion", "single number"), ([0.5], "by_area", "dict or a pandas Series"),
    ({"grieve": 0.5}, "by_area", "grief"), ({"grief": 0.5, "Grief": 0.4}, "by_area", "two entries"),
    ({"online": 0.5}, "by_setting", "not a setting"), ({"group": 2}, "by_setting", "proportion"),
    ("C001", "ids", "list of client ids"), (["C1"], "ids", "not a client id"), (5, "ids", "list of client ids"),
])
def test_invalid_forms_get_a_student_message(value, kind, message):
    with pytest.raises(StudentFacingError, match=message):  # MissingAnswer, or ProblemAreaError for a bad key
        normalise_computed("x", value, kind)


def test_verdicts_never_show_the_key():
    mistakes = {"completers": 0.63, "locf": 0.55}
    assert computed_verdict(0.525, 0.52, "proportion", 0.006, mistakes)[0] == 1
    share, text = computed_verdict(0.63, 0.52, "proportion", 0.006, mistakes)
    assert share == 0 and "completed treatment" in text and "0.52" not in text
    share, text = computed_verdict(0.9, 0.52, "proportion", 0.006, mistakes)
    assert share == 0 and "tolerance" in text and "0.52" not in text
    # tolerance edges
    assert computed_verdict(0.526, 0.52, "proportion", 0.006)[0] == 1
    assert computed_verdict(0.5261, 0.52, "proportion", 0.006)[0] == 0


def test_mapping_partial_credit_and_per_key_mistakes():
    key = {"grief": 0.5, "role dispute": 0.4, "role transition": 0.6, "interpersonal deficits": 0.2}
    answer = {"grief": 0.5, "role dispute": 0.55, "role transition": 0.6}
    share, text = computed_verdict(answer, key, "by_area", 0.006, {"completers": {"role dispute": 0.55}})
    assert share == 0.5
    assert "interpersonal deficits: missing" in text and "completed treatment" in text and "0.4" not in text


def test_ids_overlap():
    key = ["C001", "C002", "C003", "C004"]
    assert computed_verdict(key, key, "ids", 0)[0] == 1
    share, text = computed_verdict(["C001", "C002", "C003", "C009"], key, "ids", 0)
    assert share == pytest.approx(3 / 5) and "missing" in text and "do not meet" in text
    assert computed_verdict([], key, "ids", 0)[0] == 0
    assert "C004" not in computed_verdict(["C001"], key, "ids", 0)[1]


def test_in_kernel_checks(capsys):
    rate = 0.42
    check_computed("rate", "proportion")
    assert "reads as 0.42" in capsys.readouterr().out
    assert assert_computed("rate", 0.42, "proportion", 0.006) is None
    with pytest.raises(WrongAnswer):
        assert_computed("rate", 0.5, "proportion", 0.006)
    ids = ["C001", "C002"]
    assert assert_computed("ids", ["C001", "C003"], "ids", 0, None, 2) == pytest.approx(2 / 3, abs=1e-4)
    assert rate and ids
    with pytest.raises(MissingAnswer, match="no answer called nothing"):
        check_computed("nothing", "number")


SOURCE = '''"""Checks the format."""
from ipt_lib.grading import check_computed
check_computed('rate', 'proportion')
### BEGIN HIDDEN TESTS
from ipt_lib.grading import assert_computed
assert_computed('rate', 0.4321, 'proportion', 0.006,
                {'completers': 0.61}, 1)
### END HIDDEN TESTS'''


def test_seal_removes_the_key_before_the_kernel_sees_it():
    assert computed_checks(SOURCE)[0][2]["expected"] == 0.4321
    cell = NotebookNode(cell_type="code", source=SOURCE, outputs=[], execution_count=None,
                        metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "rate_test",
                                               "points": 1}})
    sealed, _ = SealComputedKeys().preprocess_cell(cell, {}, 0)
    assert "0.4321" not in sealed.source and "0.61" not in sealed.source and "assert_computed(" not in sealed.source
    assert f"{REPORT_CALL}'rate', 'proportion')" in sealed.source
    assert "check_computed('rate', 'proportion')" in sealed.source
    compile(sealed.source, "cell", "exec")
    # solution cells and ungraded cells are left alone
    cell = NotebookNode(cell_type="code", source=SOURCE, metadata={"nbgrader": {"grade": True, "solution": True}})
    assert SealComputedKeys().preprocess_cell(cell, {}, 0)[0].source == SOURCE


# --- Assignment 3, Part C: who needs a risk review at the latest PHQ-9 --------------------------------------

@pytest.fixture(scope="module")
def a3():
    from pathlib import Path

    from ipt_lib.course import assignment3

    root = Path(__file__).resolve().parents[1]
    return assignment3, root, assignment3.answer_key(root)


def test_risk_review_key_is_item9_at_the_latest_phq9_whatever_the_total(a3):
    """An independent reading with read_phq9 of each client's latest questionnaire agrees with the key."""
    from ipt_lib.measures import read_phq9

    _, root, key = a3
    items = pd.read_csv(root / "data" / "cohort" / "phq9_items.csv")
    scores = pd.read_csv(root / "data" / "cohort" / "scores.csv")
    latest = items.loc[items.groupby("client_id")["session"].idxmax()]
    readings = {row.client_id: read_phq9([getattr(row, f"phq9_{n}") for n in range(1, 10)])
                for row in latest.itertuples()}
    expected = key["risk_review"]["expected"]
    assert expected == sorted(c for c, r in readings.items() if r.risk_review)
    assert any(readings[c].total < 10 for c in expected)               # a mild total still needs a review
    final = scores[scores["measure"] == "PHQ-9"].sort_values("session").groupby("client_id")["score"].last()
    assert {c: r.total for c, r in readings.items()} == final.to_dict()
    assert key["risk_review"]["points"] == 2 and key["risk_review"]["kind"] == "ids"


def test_risk_review_typical_mistake_is_named_without_the_key(a3):
    _, _, key = a3
    item = key["risk_review"]
    assert {"total_20", "gated_by_total", "any_session"} <= set(item["mistakes"])
    wrong = item["mistakes"]["total_20"]
    share, message = computed_verdict(wrong, item["expected"], "ids", 0.0, item["mistakes"])
    overlap = len(set(wrong) & set(item["expected"])) / len(set(wrong) | set(item["expected"]))
    assert share == pytest.approx(overlap) and 0 < share < 1
    assert "only totals of 20 or more are flagged" in message
    assert not any(cid in message for cid in item["expected"] + wrong)


def test_written_risk_question_is_about_a_deteriorating_client_with_item9_and_graded_by_hand(a3):
    import re

    from ipt_lib.course.cycle import default_specs

    assignment3, root, key = a3
    case = assignment3.review_case(root, key)
    assert case["cid"] in key["deteriorated"]["expected"] and case["cid"] in key["risk_review"]["expected"]
    assert case["item9"] > 0 and case["last"] > case["first"]
    module = assignment3.key_module(root)
    nb = assignment3.build_notebook(key, module.SOLUTIONS, module.FIGURE_SOLUTION, case)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id", c.get("id")): c for c in nb.cells}
    answer = cells["next_steps_answer"].metadata["nbgrader"]
    assert answer["grade"] and answer["solution"] and answer["points"] == assignment3.NEXT_STEPS_POINTS
    question = cells["next-steps-question"].source
    assert f"({assignment3.NEXT_STEPS_POINTS} points, graded by your instructor)" in question
    for element in ("C-SSRS", "safety plan", "the same day", "without a plan", "review the treatment",
                    "course's policy"):
        assert element in question
    spec = next(s for s in default_specs(root) if s.name == assignment3.ASSIGNMENT)
    assert "next_steps_answer" in spec.manual_ids
    # every point is stated: the intro's totals are the sums of the graded cells
    graded = [c.metadata["nbgrader"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    manual = sum(g["points"] for g in graded if g["grade_id"] in spec.manual_ids)
    auto = sum(g["points"] for g in graded) - manual
    assert f"**Points:** {auto + manual:g} ({auto:g} autograded, {manual:g} graded by your instructor)" in \
        cells["intro"].source
    assert re.search(r"Content note", cells["intro"].source.split("\n\n")[1])
