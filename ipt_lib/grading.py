"""What assignment test cells call.

The visible part of a test checks only the *format* of an answer, so a typo is
caught before submission while the answer key stays secret.  The hidden part
(present only in the instructor's source and at autograde) compares the area.
Feedback never names the expected area.
"""

from __future__ import annotations

import sys

from .errors import StudentFacingError
from .problem_areas import DisputeStage, ProblemArea

# Checks whose expected answer is a constant in the (hidden) test: the grader re-does them outside the kernel.
KEYED_CHECKS = ("assert_area", "assert_stage", "assert_person", "assert_in_ring")

__all__ = ["check_answer_format", "assert_area", "check_stage_format", "assert_stage", "WrongAnswer",
           "MissingAnswer"]


class WrongAnswer(StudentFacingError, AssertionError):
    """A well-formed answer that is not the expected one (shown without a traceback)."""

    title = "Not the expected answer"


class MissingAnswer(StudentFacingError, NameError):
    """The answer variable does not exist: its cell was not run, or was deleted."""

    title = "Answer not found"


def _answer(name: str, depth: int = 2) -> object:
    """The value of the student's answer variable ``name`` in the notebook's namespace."""
    frame = sys._getframe(depth)
    namespace = frame.f_locals if name in frame.f_locals else frame.f_globals
    if name not in namespace:
        raise MissingAnswer(f"There is no answer called {name} yet. Run the answer cell above this one "
                            f"(it starts with '{name} ='), then run this cell again.")
    return namespace[name]


def _case_label(name: str) -> str:
    return name.replace("case_", "Case ") if name.startswith("case_") else name


def check_answer_format(name: str) -> None:
    """Say how the answer in variable ``name`` will be read, or raise a clear error if it cannot be read.

    This checks the format only: a well-formed but wrong answer passes here.
    """
    area = ProblemArea.parse(_answer(name))
    print(f"{_case_label(name)}: your answer reads as {area.label!r}. "
          "(Format check only: it does not say whether it is right.)")


def assert_area(name: str, expected: str) -> None:
    """Pass if the answer in ``name`` reads as the ``expected`` area; the failure message never names it."""
    wanted = ProblemArea.parse(expected)
    chosen = ProblemArea.parse(_answer(name))
    label = _case_label(name)
    if chosen is not wanted:
        raise WrongAnswer(f"{label}: {chosen.label!r} is not the area the course team chose. "
                          "Compare the cues in the text with the definitions (ref §3) and the timing of onset (§2.4).")
    print(f"{label}: correct.")


def check_stage_format(name: str) -> None:
    stage = DisputeStage.parse(_answer(name))
    print(f"{_case_label(name)}: your answer reads as {stage.label!r}. (Format check only.)")


def assert_stage(name: str, expected: str) -> None:
    wanted = DisputeStage.parse(expected)
    chosen = DisputeStage.parse(_answer(name))
    label = _case_label(name)
    if chosen is not wanted:
        raise WrongAnswer(f"{label}: {chosen.label!r} is not the stage the course team chose (ref §3.2).")
    print(f"{label}: correct.")


# --- people and inventories (assignment 2) --------------------------------------------------------------

def person_matches(answer: str, aliases: list[str]) -> bool:
    """True if the text names one of ``aliases`` (case and punctuation do not matter)."""
    words = set("".join(ch if ch.isalnum() else " " for ch in answer.casefold()).split())
    return any(set(alias.casefold().split()) <= words for alias in aliases)


def check_name_format(name: str) -> None:
    value = _answer(name)
    if value is Ellipsis:
        raise MissingAnswer(f"No answer yet: replace the ... after {name} = with a name in quotes.")
    if not isinstance(value, str) or not value.strip():
        raise MissingAnswer(f"{name} should be a person's name in quotes, such as \"Ama\".")
    print(f"{name}: your answer reads as {value.strip()!r}. (Format check only.)")


def assert_person(name: str, aliases: list[str]) -> None:
    value = _answer(name)
    if not isinstance(value, str) or not person_matches(value, aliases):
        raise WrongAnswer(f"{name}: {value!r} is not the person the course team chose.")
    print(f"{name}: correct.")


def inventory_verdict(path, aliases: list[str], ring: str, max_others: int) -> tuple[bool, str]:
    """Is the person named by ``aliases`` on ``ring`` in the saved inventory, with at most ``max_others``
    other people on that ring? Returns (passed, message); never raises for a bad file."""
    from .inventory import Inventory, InventoryError
    from .storage import StoredFileError

    try:
        inventory = Inventory.load(path)
    except (InventoryError, StoredFileError) as exc:
        return False, f"the inventory file could not be used: {exc}"
    except OSError as exc:
        return False, f"the inventory file could not be read ({type(exc).__name__})"
    on_ring = inventory.in_ring(ring)
    found = [p for p in on_ring if person_matches(p.name + " " + p.relationship, aliases)]
    if not found:
        return False, f"the {ring} ring does not hold one of the people the cues put there"
    others = len(on_ring) - len(found)
    if others > max_others:
        return False, f"the {ring} ring holds {others} other people; at most {max_others} are accepted"
    return True, f"{found[0].name} is on the {ring} ring"


def check_inventory_file(path: str = "inventory.json") -> None:
    """Say what the saved inventory holds, or why it cannot be used (format check only)."""
    from .inventory import Inventory, InventoryError
    from .storage import StoredFileError

    try:
        inventory = Inventory.load(path)
    except (InventoryError, StoredFileError) as exc:
        raise MissingAnswer(f"Your inventory could not be read: {exc}") from None
    print(f"{path}: {inventory.summary()}. (Format check only.)")


def assert_in_ring(path: str, aliases: list[str], ring: str, max_others: int) -> None:
    passed, message = inventory_verdict(path, aliases, ring, max_others)
    if not passed:
        raise WrongAnswer(f"Inventory: {message}.")
    print(f"Inventory: correct ({message}).")
