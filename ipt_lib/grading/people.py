"""People and inventories (assignment 2): a person named in quotes, and a person on a ring of the saved inventory."""

from __future__ import annotations

from .answers import MissingAnswer, answer, case_label
from .rules import Rule, Verdict


def _words(text: str) -> set[str]:
    return set("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


def person_matches(answer: str, aliases: list[str]) -> bool:
    """True if the text names one of ``aliases`` (case and punctuation do not matter)."""
    words = _words(answer)
    return any(set(alias.casefold().split()) <= words for alias in aliases)


def names_one_person(answer: str, aliases: list[str], rivals: list[list[str]] | None = None) -> bool:
    """True if ``answer`` names the person of ``aliases`` and not, at the same time, another person of the case.

    ``rivals`` are the other people's aliases, each list starting with the person's name. An answer that also
    matches a rival counts only if it carries this person's own name (``aliases[0]``) and no rival's name: "Lotte,
    mother of our son" names Lotte; "Lotte Mees" or "wife son baby" names everyone and so no one."""
    if not person_matches(answer, aliases):
        return False
    rivals = [r for r in (rivals or []) if r and set(r) != set(aliases)]
    if not any(person_matches(answer, rival) for rival in rivals):
        return True
    words = _words(answer)
    own_name = set(aliases[0].casefold().split()) <= words
    return own_name and not any(set(rival[0].casefold().split()) <= words for rival in rivals)


class PersonRule(Rule):
    """The answer names one person of the case, in quotes; any of the person's aliases counts."""

    function, format_check = "assert_person", "check_name_format"

    def grade(self, name: str, value: object, aliases=(), rivals=None, *_) -> Verdict:
        label = case_label(name)
        if isinstance(value, str) and not value.strip():
            return Verdict.wrong(f"{label}: no name was given.", "UnreadableAnswer")
        if not isinstance(value, str) or not names_one_person(value, aliases, rivals):
            if isinstance(value, str) and person_matches(value, aliases):
                return Verdict.wrong(f"{label}: {value!r} names more than one person of the case, so it cannot "
                                     "count. Name one person.")
            return Verdict.wrong(f"{label}: {value!r} is not the person the course team chose.")
        return Verdict.right(f"{label}: correct.")


class RingRule(Rule):
    """A person on the right ring of the saved inventory file, with few others there; ``name`` is the file."""

    function, format_check, reads = "assert_in_ring", "check_inventory_file", "file"

    def grade(self, name: str, value: object, *key) -> Verdict:
        """``value`` is (path, the file's bytes or None when it is missing)."""
        path, text = value
        passed, message = inventory_verdict(path, *key, text=text)
        return Verdict.right(f"Inventory: correct ({message}).") if passed else self.refused(name, message)

    def refused(self, name: str, why: object) -> Verdict:
        return Verdict.wrong(f"Inventory: {why}.")


PERSON, RING = PersonRule(), RingRule()


def check_name_format(name: str, inventory: str | None = None) -> None:
    """Say how the name in ``name`` reads; with ``inventory`` (the student's own saved file), also say whether it
    is someone in that inventory, and suggest the closest name for a slip ("Lote" for "Lotte")."""
    value = answer(name)
    if value is Ellipsis:
        raise MissingAnswer(f"No answer yet: replace the ... after {name} = with a name in quotes.")
    if not isinstance(value, str) or not value.strip():
        raise MissingAnswer(f"{name} should be a person's name in quotes, such as \"Ama\".")
    if inventory is not None:
        _compare_with_inventory(name, value.strip(), inventory)
    print(f"{name}: your answer reads as {value.strip()!r}. (Format check only.)")


def _compare_with_inventory(name: str, value: str, path: str) -> None:
    import difflib

    from ..inventory import Inventory, InventoryError
    from ..storage import StoredFileError

    try:
        people = [p.name for p in Inventory.load(path)]
    except (InventoryError, StoredFileError, OSError):
        return  # the inventory's own check cell reports a missing or damaged file
    if not people or any(person_matches(value, [p]) or person_matches(p, [value]) for p in people):
        return
    close = difflib.get_close_matches(value.casefold(), [p.casefold() for p in people], n=1, cutoff=0.6)
    if close:
        suggestion = next(p for p in people if p.casefold() == close[0])
        raise MissingAnswer(f"{name}: {value!r} is not the name of anyone in your inventory. Did you mean "
                          f"{suggestion!r}? Use the name exactly as you entered it in the inventory.")
    print(f"Note: {value!r} is not the name of anyone in your inventory ({', '.join(people)}). If you meant one "
          "of them, use the name as you entered it.")


def assert_person(name: str, aliases: list[str], rivals: list[list[str]] | None = None) -> None:
    PERSON.grade(name, answer(name), aliases, rivals).settle()


def inventory_from_text(text: bytes | str | None, name: str = "inventory.json"):
    """The inventory saved in ``text`` (a file's contents), or a message saying why it cannot be used.

    Nothing is renamed or written: the grader judges the file exactly as it was submitted."""
    import json

    from ..inventory import KIND, SCHEMA_VERSION, Inventory, InventoryError

    if text is None:
        return None, (f"there is no {name} in the submission: build the inventory in the widget (it saves "
                      "as you work) and submit again")
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None, f"{name} is damaged (it is not readable JSON), so it could not be graded"
    if not isinstance(data, dict) or data.get("kind") != KIND:
        return None, f"{name} is not a saved inventory file, so it could not be graded"
    if data.get("schema_version", 0) > SCHEMA_VERSION:
        return None, f"{name} was saved by a newer version of the workbook, so it could not be graded"
    try:
        return Inventory.from_dict(data), ""
    except InventoryError as exc:
        return None, f"{name} could not be used: {exc}"


def inventory_verdict(path, aliases: list[str], ring: str, max_others: int, rivals: list[list[str]] | None = None,
                      *, text: bytes | str | None = None) -> tuple[bool, str]:
    """Is the person named by ``aliases`` on ``ring`` in the saved inventory, with at most ``max_others``
    other people on that ring? Returns (passed, message); never raises for a bad file.

    The grader passes the file's ``text`` (read safely from the submission); in the student's kernel the file
    at ``path`` is read."""
    from pathlib import Path

    if text is None and path is not None:
        try:
            text = Path(path).read_bytes()
        except FileNotFoundError:
            text = None
        except OSError as exc:
            return False, f"the inventory file could not be read ({type(exc).__name__})"
    inventory, problem = inventory_from_text(text, Path(path).name if path else "inventory.json")
    if inventory is None:
        return False, problem
    on_ring = inventory.in_ring(ring)
    found = [p for p in on_ring if names_one_person(p.name + " " + p.relationship, aliases, rivals)]
    if not found:
        if any(person_matches(p.name + " " + p.relationship, aliases) for p in on_ring):
            return False, (f"the {ring} ring names this person only in an entry that also names other people of "
                           "the case; give each person an entry of their own")
        return False, f"the {ring} ring does not hold one of the people the cues put there"
    others = len(on_ring) - len(found)
    if others > max_others:
        return False, f"the {ring} ring holds {others} other people; at most {max_others} are accepted"
    return True, f"{found[0].name} is on the {ring} ring"


def check_inventory_file(path: str = "inventory.json") -> None:
    """Say what the saved inventory holds, or why it cannot be used (format check only)."""
    from ..inventory import Inventory, InventoryError
    from ..storage import StoredFileError

    try:
        inventory = Inventory.load(path)
    except (InventoryError, StoredFileError) as exc:
        raise MissingAnswer(f"Your inventory could not be read: {exc}") from None
    print(f"{path}: {inventory.summary()}. (Format check only.)")


def assert_in_ring(path: str, aliases: list[str], ring: str, max_others: int,
                   rivals: list[list[str]] | None = None) -> None:
    RING.grade(path, (path, None), aliases, ring, max_others, rivals).settle()
