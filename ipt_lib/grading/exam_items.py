"""The final exam: one item per student from each question's pool, judged with the submitting student's id."""

from __future__ import annotations

from .answers import MissingAnswer, answer
from .rules import Rule, Verdict


def check_exam(name: str, kind: str) -> None:
    """Format check for exam question ``name`` (q1, q2, ...): how the answer reads, never whether it is right."""
    from ..exam import read_answer

    value = answer(name)
    if value is Ellipsis:
        raise MissingAnswer(f"No answer yet: replace the ... after {name} = with your answer.")
    shown = read_answer(value, kind)
    if isinstance(shown, bool):
        shown = "yes" if shown else "no"
    elif isinstance(shown, float) and shown.is_integer():
        shown = int(shown)
    print(f"Question {name[1:]}: your answer reads as {shown!r}. (Format check only: it does not say whether it "
          "is right.)")


def exam_verdict(student: str, name: str, answer: object, keys: dict, kind: str) -> tuple[bool, str]:
    """(right, feedback) for ``student``'s answer to question ``name``; the feedback never gives the key."""
    from ..exam import pick, read_answer

    item = pick(student, name, keys)
    try:
        given = read_answer(answer, kind)
    except ValueError as exc:
        return False, f"Question {name[1:]} (item {item}): {exc}"
    expected = read_answer(keys[item], kind)
    if given == expected:
        return True, f"Question {name[1:]} (item {item}): correct."
    return False, f"Question {name[1:]} (item {item}): not the answer the course team chose."


class ExamRule(Rule):
    """The answer (a label, yes/no or a number, written as a value) against the key of the student's own item."""

    function, format_check, per_student = "assert_exam", "check_exam", True

    def read(self, source: str, name: str) -> tuple[object, str]:
        from .cell_text import static_literal

        return static_literal(source, name)

    def unreadable(self, name: str, problem: str) -> Verdict:
        return Verdict.wrong(f"Question {name[1:]}: {problem}.", "UnreadableAnswer")

    def grade(self, name: str, value: object, keys: dict, kind: str, *_, student: str) -> Verdict:
        """``student`` is whose exam it is (the grader passes the submitting student's id)."""
        right, message = exam_verdict(student, name, value, keys, kind)
        return Verdict.right(message) if right else Verdict.wrong(message)


EXAM = ExamRule()


def assert_exam(name: str, keys: dict, kind: str) -> None:
    """The hidden check (instructor's copy); at autograde the grader re-does it from the answer cell's text with
    the submitting student's id."""
    from ..exam import current_student

    student = current_student()
    EXAM.grade(name, answer(name), keys, kind, student=student).settle()
