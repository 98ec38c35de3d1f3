"""A grading rule: one class that says what test cells call it, how its answer is read, how it is judged (the share
of the item's points and the message) and how the item-analysis report tabulates it.

The same rule object judges in both places an answer is checked: the test-cell function in the student's (or the
instructor's) kernel, and the grader (``ipt_lib.course.preprocessors.StaticAnswerGrader``), which reads the answer
from the submission's text and the key from the gradebook, outside the student's reach. Every feedback message is
written once, in its rule. No rule holds a key: the key is always an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .answers import WrongAnswer, case_label


@dataclass(frozen=True)
class Verdict:
    """The judgement of one answer: the share of the item's points earned (0..1) and the feedback, which never
    names the key. ``error`` is the error name the grader shows when nothing is earned."""

    share: float
    message: str
    error: str = "WrongAnswer"

    @classmethod
    def right(cls, message: str) -> "Verdict":
        return cls(1.0, message)

    @classmethod
    def wrong(cls, message: str, error: str = "WrongAnswer") -> "Verdict":
        return cls(0.0, message, error)

    def settle(self, points: float = 1, partial: bool = False) -> object:
        """In a kernel: raise ``WrongAnswer`` when nothing is earned, else print the feedback; with ``partial``,
        return the points earned below full marks (nbgrader reads a number shown as the cell's result as partial
        credit)."""
        if self.share <= 0:
            raise WrongAnswer(self.message)
        print(self.message)
        return round(self.share * points, 4) if partial and self.share < 1 else None


class Rule:
    """The base of every grading rule (see the module docstring)."""

    function: ClassVar[str]            # the hidden, keyed check as test cells call it ("assert_area")
    format_check: ClassVar[str]        # the visible format check that goes with it ("check_answer_format")
    # Where the grader finds the answer: "cell" (the answer cell's text, read by ``read``), "file" (a file the
    # submission holds) or "kernel" (a value the kernel computed and reported; the key never enters the kernel).
    reads: ClassVar[str] = "cell"
    partial: ClassVar[bool] = False    # can earn part of the item's points
    per_student: ClassVar[bool] = False  # judged with the submitting student's id (each student has own items)
    tabulates: ClassVar[object] = None  # the enum the report's confusion matrix counts answers in, or None
    kind: ClassVar[str] = ""           # what the report calls one class of ``tabulates`` ("problem area")

    def read(self, source: str, name: str) -> tuple[object, str]:
        """The answer to ``name`` in an answer cell's text: (value, problem); never runs the cell."""
        from .cell_text import static_answer

        return static_answer(source, name)

    def unreadable(self, name: str, problem: str) -> Verdict:
        """The verdict on an answer that ``read`` could not read."""
        return Verdict.wrong(f"{case_label(name)}: {problem}.", "UnreadableAnswer")

    def refused(self, name: str, why: object) -> Verdict:
        """The verdict when the grader refuses to read the submitted file (a link, a fifo, too large)."""
        return self.unreadable(name, str(why))

    @staticmethod
    def unknown_student() -> Verdict:
        return Verdict.wrong("This question could not be graded: the student id is unknown.", "GradingError")

    def grade(self, name: str, value: object, *key, **context) -> Verdict:
        """The verdict on the answer ``value`` (as ``read`` returned it) against ``key`` (the hidden check's
        literal arguments after the answer's name); ``context`` is ``student=`` for a per-student rule."""
        raise NotImplementedError


class ClassificationRule(Rule):
    """The answer is one class of an enum (a problem area, a dispute stage), given as text in quotes."""

    def wrong_message(self, label: str, chosen) -> str:
        raise NotImplementedError

    def judge(self, label: str, chosen, wanted) -> Verdict:
        if chosen is not wanted:
            return Verdict.wrong(self.wrong_message(label, chosen))
        return Verdict.right(f"{label}: correct.")

    def grade(self, name: str, value: object, expected=None, *_) -> Verdict:
        label = case_label(name)
        try:
            chosen = self.tabulates.parse(value)
        except ValueError as exc:
            return Verdict.wrong(f"{label}: {exc}", "UnreadableAnswer")
        return self.judge(label, chosen, self.tabulates.parse(expected))
