"""What assignment test cells call.

The visible part of a test checks only the *format* of an answer, so a typo is
caught before submission while the answer key stays secret.  The hidden part
(present only in the instructor's source and at autograde) compares the answer with the key.
Feedback never names the key.

Each kind of graded answer is one rule class (``ipt_lib.grading.rules``); ``RULES`` lists them by the name of the
hidden check that test cells call. The grader (``ipt_lib.course``) and the item-analysis report find them there.
"""

from __future__ import annotations

from .answers import MissingAnswer, WrongAnswer
from .areas import AREA, STAGE, assert_area, assert_stage, check_answer_format, check_stage_format
from .computed import (COMPUTED, COMPUTED_KINDS, MISTAKES, REPORT_MARKER, assert_computed, check_computed,
                       computed_verdict, normalise_computed, report_computed)
from .exam_items import EXAM, assert_exam, check_exam, exam_verdict
from .labels import LABEL_KINDS, LABELS, assert_labels, check_labels, labels_verdict, read_labels
from .people import (PERSON, RING, assert_in_ring, assert_person, check_inventory_file, check_name_format,
                     inventory_from_text, inventory_verdict, names_one_person, person_matches)
from .ratings import RATING, assert_rating, check_rating, practice_rating
from .rules import Rule, Verdict
from .scores import SCORES, assert_scores, check_scores

# Every grading rule, by the hidden check's name as test cells call it. Order matters only for reading.
RULES: dict[str, Rule] = {rule.function: rule for rule in (AREA, STAGE, PERSON, RING, LABELS, EXAM, COMPUTED,
                                                                   RATING, SCORES)}

# Checks whose expected answer is a constant in the (hidden) test and whose answer the grader reads from the
# submission itself: it re-does them outside the kernel. (A computed answer is reported by the kernel instead.)
KEYED_CHECKS = tuple(name for name, rule in RULES.items() if rule.reads != "kernel")

__all__ = ["check_answer_format", "assert_area", "check_stage_format", "assert_stage", "WrongAnswer",
           "MissingAnswer"]
