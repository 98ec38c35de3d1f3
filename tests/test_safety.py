"""The safety lesson's practice items: every pattern is checked against the item-level rule, feedback is specific,
and a wrong or empty answer gets a message, never a traceback."""

import pytest

from ipt_lib.errors import StudentFacingError
from ipt_lib.measures import risk_review_needed
from ipt_lib.references import check_cited
from ipt_lib.safety import (NEXT_STEPS, REVIEW_ITEMS, check_next_step, check_review, next_step, review_item,
                            review_table)


def test_the_practice_set_has_low_totals_with_a_positive_item_and_high_totals_without():
    readings = {item.id: item.reading() for item in REVIEW_ITEMS}
    assert any(r.risk_review and r.total < 10 for r in readings.values())          # the trap: a low total
    assert any(not r.risk_review and r.total >= 20 for r in readings.values())     # a high total, item 0
    assert {"PHQ-9", "EPDS"} <= {item.scale for item in REVIEW_ITEMS}
    assert readings["A"].total == 6 and readings["A"].risk_review


@pytest.mark.parametrize("item", REVIEW_ITEMS, ids=lambda i: i.id)
def test_the_expected_answer_follows_the_item_rule_and_is_marked_right(item):
    expected = risk_review_needed(item.scale, item.items)
    right = check_review(item.id, "yes" if expected else "no")
    wrong = check_review(item.id, "no" if expected else "yes")
    assert right.correct is True and wrong.correct is False
    assert check_cited(right.message) is None and check_cited(wrong.message) is None
    assert right.message != wrong.message


def test_a_wrong_no_on_a_low_total_explains_the_item_rule():
    feedback = check_review("A", "no")
    assert "IS needed" in feedback.message and "whatever the total" in feedback.message


def test_an_empty_answer_asks_for_one_and_nonsense_is_refused():
    assert check_review("A", "").correct is None
    assert check_review("a", " Yes. ").correct is True
    with pytest.raises(StudentFacingError, match="yes"):
        check_review("A", "maybe")
    with pytest.raises(StudentFacingError, match="items are"):
        review_item("Z")


def test_the_table_shows_items_but_not_the_answers():
    table = review_table()
    assert list(table.index) == [item.id for item in REVIEW_ITEMS]
    assert "risk" not in " ".join(map(str, table.columns)).lower()
    assert table.loc["A", "item 9"] == "1" and table.loc["F", "item 9"] == ""


@pytest.mark.parametrize("question", NEXT_STEPS, ids=lambda q: q.id)
def test_every_next_step_option_has_its_own_cited_feedback(question):
    assert question.best in question.options and set(question.feedback) == set(question.options)
    results = {letter: check_next_step(question.id, letter) for letter in question.options}
    assert [letter for letter, fb in results.items() if fb.correct] == [question.best]
    assert all(check_cited(fb.message) is None for fb in results.values())
    assert len({fb.message for fb in results.values()}) == len(results)


def test_the_best_next_step_is_not_always_the_same_letter():
    assert len({q.best for q in NEXT_STEPS}) > 1


def test_next_step_answers_accept_a_letter_with_punctuation_and_refuse_others():
    assert check_next_step("q1", "B)").correct is True
    assert check_next_step("Q1", "").correct is None
    with pytest.raises(StudentFacingError, match="one of a, b, c, d"):
        check_next_step("Q1", "e")
    with pytest.raises(StudentFacingError, match="questions are"):
        next_step("Q9")


def test_course_policy_is_labelled_as_such():
    text = " ".join(fb for q in NEXT_STEPS for fb in q.feedback.values())
    assert "course's rule" in text and "not retrieved" in text and "not confirmed" in text
