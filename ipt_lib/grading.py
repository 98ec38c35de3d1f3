"""What assignment test cells call.

The visible part of a test checks only the *format* of an answer, so a typo is
caught before submission while the answer key stays secret.  The hidden part
(present only in the instructor's source and at autograde) compares the area.
Feedback never names the expected area.
"""

from __future__ import annotations

import re
import sys

from .errors import StudentFacingError
from .problem_areas import DisputeStage, ProblemArea

# Checks whose expected answer is a constant in the (hidden) test: the grader re-does them outside the kernel.
KEYED_CHECKS = ("assert_area", "assert_stage", "assert_person", "assert_in_ring", "assert_labels", "assert_exam")

__all__ = ["check_answer_format", "assert_area", "check_stage_format", "assert_stage", "WrongAnswer",
           "MissingAnswer"]


class WrongAnswer(StudentFacingError, AssertionError):
    """A well-formed answer that is not the expected one (shown without a traceback)."""

    title = "Not the expected answer"


class MissingAnswer(StudentFacingError, NameError):
    """The answer variable does not exist: its cell was not run, or was deleted."""

    title = "Answer not found"


def _last_answer_source(name: str) -> str | None:
    """The text of the last cell the student ran that assigns ``name`` (from IPython's input history)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None) or []
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=", re.M)
    for source in reversed(history[:-1]):  # the last entry is the check cell itself
        if pattern.search(source):
            return source
    return None


def _unquoted_hint(name: str) -> str:
    """Why the answer cell for ``name`` did not set text in quotes, if that is what happened; else ''."""
    import ast

    source = _last_answer_source(name)
    if source is None:
        return ""
    example = f'{name} = "your answer"'
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return (f"Your answer cell for {name} is not valid Python, so it did not run. Answers go in quotes, "
                f"for example {example}. Put quotes around your answer, run the answer cell, then this one.")
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = node.value
            if isinstance(value, (ast.Name, ast.BinOp, ast.Attribute, ast.Subscript)):
                return (f"Your answer for {name} is written without quotes ({ast.unparse(value)}), so Python "
                        f"read it as code. Put it in quotes, for example {example}, run the answer cell, then "
                        "this one.")
    return ""


def _answer(name: str, depth: int = 2) -> object:
    """The value of the student's answer variable ``name`` in the notebook's namespace."""
    frame = sys._getframe(depth)
    namespace = frame.f_locals if name in frame.f_locals else frame.f_globals
    if name not in namespace or namespace[name] is Ellipsis:
        hint = _unquoted_hint(name)
        if hint:
            raise MissingAnswer(hint)
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
                          "Compare the cues in the text with the definitions (Weissman et al., 2018; ISIPT, n.d.-b) and the timing of onset (Focus review, 2006; Markowitz, 2016).")
    print(f"{label}: correct.")


def check_stage_format(name: str) -> None:
    stage = DisputeStage.parse(_answer(name))
    print(f"{_case_label(name)}: your answer reads as {stage.label!r}. (Format check only.)")


def assert_stage(name: str, expected: str) -> None:
    wanted = DisputeStage.parse(expected)
    chosen = DisputeStage.parse(_answer(name))
    label = _case_label(name)
    if chosen is not wanted:
        raise WrongAnswer(f"{label}: {chosen.label!r} is not the stage the course team chose (Weissman et al., 2018).")
    print(f"{label}: correct.")


# --- people and inventories (assignment 2) --------------------------------------------------------------

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


def check_name_format(name: str, inventory: str | None = None) -> None:
    """Say how the name in ``name`` reads; with ``inventory`` (the student's own saved file), also say whether it
    is someone in that inventory, and suggest the closest name for a slip ("Lote" for "Lotte")."""
    value = _answer(name)
    if value is Ellipsis:
        raise MissingAnswer(f"No answer yet: replace the ... after {name} = with a name in quotes.")
    if not isinstance(value, str) or not value.strip():
        raise MissingAnswer(f"{name} should be a person's name in quotes, such as \"Ama\".")
    if inventory is not None:
        _compare_with_inventory(name, value.strip(), inventory)
    print(f"{name}: your answer reads as {value.strip()!r}. (Format check only.)")


def _compare_with_inventory(name: str, value: str, path: str) -> None:
    import difflib

    from .inventory import Inventory, InventoryError
    from .storage import StoredFileError

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
    value = _answer(name)
    if not isinstance(value, str) or not names_one_person(value, aliases, rivals):
        raise WrongAnswer(f"{name}: {value!r} is not the person the course team chose.")
    print(f"{name}: correct.")


def inventory_from_text(text: bytes | str | None, name: str = "inventory.json"):
    """The inventory saved in ``text`` (a file's contents), or a message saying why it cannot be used.

    Nothing is renamed or written: the grader judges the file exactly as it was submitted."""
    import json

    from .inventory import KIND, SCHEMA_VERSION, Inventory, InventoryError

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
    from .inventory import Inventory, InventoryError
    from .storage import StoredFileError

    try:
        inventory = Inventory.load(path)
    except (InventoryError, StoredFileError) as exc:
        raise MissingAnswer(f"Your inventory could not be read: {exc}") from None
    print(f"{path}: {inventory.summary()}. (Format check only.)")


def assert_in_ring(path: str, aliases: list[str], ring: str, max_others: int,
                   rivals: list[list[str]] | None = None) -> None:
    passed, message = inventory_verdict(path, aliases, ring, max_others, rivals)
    if not passed:
        raise WrongAnswer(f"Inventory: {message}.")
    print(f"Inventory: correct ({message}).")


# --- computed answers (assignment 3) -----------------------------------------------------------------------
#
# A computed answer (a rate, a median, a list of clients) can only be produced by running the student's code.
# The visible check below reads its format. The hidden ``assert_computed`` call holds the key; at autograde the
# grader takes that call out of the cell before the kernel sees it, puts ``report_computed`` in its place, and
# compares the reported value with the key in the grader's own process (ipt_lib.course.preprocessors), so no code
# in the notebook can read or change the key.

COMPUTED_KINDS = ("proportion", "number", "by_area", "by_setting", "ids")
REPORT_MARKER = "[ipt-computed]"

# What a typical wrong value usually means. Shown in feedback instead of the number.
MISTAKES = {
    "completers": "it matches what you get when only clients who completed treatment are counted. The question "
                  "counts everyone who started (intention to treat): a drop-out counts as not responding or not "
                  "remitted.",
    "locf": "it matches what you get when drop-outs are judged by their last score. Here a drop-out counts as a "
            "non-responder whatever that score was.",
    "strict": "it matches a reduction of strictly more than 50%. Response is a reduction of 50% or more (ICSI, n.d.; Medscape, n.d.).",
    "le5": "it matches counting a PHQ-9 of 5 as remission. PHQ-9 remission is a score below 5 (ICSI, n.d.; Kroenke et al., 2001).",
    "session_number": "it matches giving the session number rather than weeks since intake (week = session - 1).",
    "share_of_dropouts": "it matches dividing by the number of drop-outs (the share of all drop-outs in each "
                         "setting). The question asks what proportion of each setting's clients dropped out.",
    "abs_lag": "it matches ignoring the sign of the lag. An event after onset gives a negative lag; IPT links "
               "event and onset whichever came first (Focus review, 2006; Markowitz, 2016).",
    "missing_as_zero": "it matches counting clients with no acute event as a lag of 0 days. They have no event "
                       "date: leave them out rather than invent a value.",
    "to_intake": "it matches measuring to the intake date instead of the onset date.",
    "hamd_lt7": "it matches requiring a HAM-D-17 below 7. HAM-D-17 remission is 7 or less (Frank et al., 1991; McIntyre et al., 2002).",
    "hamd_itt": "it matches dividing by all clients. This question is about completers with an end-of-treatment "
                "HAM-D-17.",
    "any_increase": "it matches listing every client whose score rose. Deterioration here means ending in a more "
                    "severe PHQ-9 band than at intake.",
    "max_score": "it matches comparing each client's worst score instead of the last one recorded.",
    "no_dropouts": "it matches leaving drop-outs out; their last recorded score counts.",
    "total_20": "it matches what you get when only totals of 20 or more are flagged. A risk review depends on "
                "item 9, not on the total: in this course item 9 above 0 calls for one whatever the total (the "
                "course's rule, consistent with Simon et al., 2013).",
    "gated_by_total": "it matches leaving out clients whose total is below 10. Item 9 above 0 needs a risk review "
                      "even when the total is mild or minimal.",
    "any_session": "it matches flagging item 9 above 0 at any session. The question asks about each client's "
                   "latest PHQ-9.",
    "intake_item9": "it matches reading item 9 at intake (session 1). The question asks about each client's "
                    "latest PHQ-9.",
}

_SETTINGS = ("individual", "group")


def _is_number(value: object) -> bool:
    import math

    if isinstance(value, bool) or value is None:
        return False
    try:
        number = float(value)  # ints, floats, numpy scalars
    except (TypeError, ValueError):
        return False
    return not math.isnan(number) and not math.isinf(number) and not isinstance(value, str)


def _mapping_items(value: object) -> list[tuple[object, object]] | None:
    if isinstance(value, dict):
        return list(value.items())
    if hasattr(value, "items") and hasattr(value, "index") and not isinstance(value, type):  # pandas Series
        try:
            return list(value.items())
        except TypeError:
            return None
    return None


def _read_key(kind: str, key: object, name: str) -> str:
    if kind == "by_area":
        return ProblemArea.parse(key).label
    text = str(key).strip().casefold()
    for setting in _SETTINGS:
        if text.startswith(setting[:5]):
            return setting
    raise MissingAnswer(f"{name}: {key!r} is not a setting; use 'individual' and 'group'.")


def normalise_computed(name: str, value: object, kind: str) -> object:
    """The answer as plain JSON data (float, {label: float}, sorted ids), or a student-facing error."""
    if kind not in COMPUTED_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if value is Ellipsis:
        raise MissingAnswer(f"No answer yet: replace the ... after {name} = with your computation.")
    if kind in ("proportion", "number"):
        if not isinstance(value, (int, float)) and hasattr(value, "item") and getattr(value, "size", None) == 1:
            value = value.item()  # a numpy scalar, or a one-element Series or array
        if not _is_number(value):
            raise MissingAnswer(f"{name} should be a single number, not {type(value).__name__} "
                                f"({str(value)[:60]!r}). If you have a one-row table, take the value out of it.")
        number = float(value)
        if kind == "proportion" and not 0 <= number <= 1:
            hint = " It looks like a percentage: divide by 100." if 1 < number <= 100 else ""
            raise MissingAnswer(f"{name} should be a proportion between 0 and 1, not {number:g}.{hint}")
        return number
    if kind in ("by_area", "by_setting"):
        items = _mapping_items(value)
        if items is None:
            raise MissingAnswer(f"{name} should be a dict or a pandas Series with one value per "
                                f"{'problem area' if kind == 'by_area' else 'setting'}, not {type(value).__name__}.")
        out: dict[str, float] = {}
        for key, number in items:
            label = _read_key(kind, key, name)
            if label in out:
                raise MissingAnswer(f"{name}: two entries read as {label!r}.")
            if not _is_number(number) or not 0 <= float(number) <= 1:
                raise MissingAnswer(f"{name}[{key!r}] should be a proportion between 0 and 1, not {number!r}.")
            out[label] = float(number)
        return out
    # ids
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise MissingAnswer(f"{name} should be a list of client ids such as ['C001', 'C017'], not "
                            f"{type(value).__name__}.")
    ids = set()
    for item in (value.tolist() if hasattr(value, "tolist") else value):
        text = str(item).strip().upper()
        if not (len(text) == 4 and text[0] == "C" and text[1:].isdigit()):
            raise MissingAnswer(f"{name}: {item!r} is not a client id like 'C017'.")
        ids.add(text)
    return sorted(ids)


def check_computed(name: str, kind: str) -> None:
    """Format check for a computed answer: says how it reads, never whether it is right."""
    value = normalise_computed(name, _answer(name), kind)
    if isinstance(value, float):
        shown = f"{value:.4g}"
    elif isinstance(value, dict):
        shown = ", ".join(f"{k}: {v:.3g}" for k, v in value.items())
    else:
        shown = f"{len(value)} client id(s)"
    print(f"{name}: your answer reads as {shown}. (Format check only: it does not say whether it is right.)")


def report_computed(name: str, kind: str) -> None:
    """Print the answer for the grader (used at autograde in place of the hidden check)."""
    import json

    value = normalise_computed(name, _answer(name), kind)
    print(REPORT_MARKER + " " + json.dumps({"name": name, "value": value}))


def computed_verdict(value: object, expected: object, kind: str, tol: float,
                     mistakes: dict | None = None) -> tuple[float, str]:
    """(share of the item's points earned 0..1, feedback) for an answer already normalised. Feedback never
    contains the expected value."""
    mistakes = mistakes or {}

    def close(a, b) -> bool:
        return abs(float(a) - float(b)) <= tol + 1e-12

    def which_mistake(answer, table_key=None) -> str:
        for code, wrong in mistakes.items():
            wrong_value = wrong.get(table_key) if table_key is not None and isinstance(wrong, dict) else wrong
            if kind == "ids" and sorted(answer) == sorted(wrong_value or []):
                return MISTAKES.get(code, code)
            if kind != "ids" and wrong_value is not None and close(answer, wrong_value):
                return MISTAKES.get(code, code)
        return ""

    if kind in ("proportion", "number"):
        if close(value, expected):
            return 1.0, "correct."
        why = which_mistake(value)
        return 0.0, ("not the course team's value: " + why) if why else (
            f"not within the tolerance (±{tol:g}) of the course team's value. Re-read the question's definitions: "
            "who is counted, which score, which cut-off.")
    if kind in ("by_area", "by_setting"):
        notes, right = [], 0
        for label, wanted in expected.items():
            if label not in value:
                notes.append(f"{label}: missing")
            elif close(value[label], wanted):
                right += 1
                notes.append(f"{label}: correct")
            else:
                why = which_mistake(value[label], label)
                notes.append(f"{label}: not the course team's value" + (f" ({why})" if why else ""))
        extra = sorted(set(value) - set(expected))
        if extra:
            notes.append("unexpected entries: " + ", ".join(extra))
        return right / len(expected), "; ".join(notes) + "."
    # ids: Jaccard agreement with the key
    answer, key = set(value), set(expected)
    if answer == key:
        return 1.0, "correct: exactly the clients who meet the definition."
    if len(answer) >= 3 * max(len(key), 1) and len(answer - key) > len(key):
        # listing (nearly) everyone matches every key a little: it is not a finding, so it earns nothing
        return 0.0, ("no credit: the list is at least three times as long as the list of clients who meet the "
                     "definition, so it does not pick them out. List only the clients who meet it.")
    share = len(answer & key) / len(answer | key) if answer | key else 1.0
    why = which_mistake(sorted(answer))
    parts = []
    if key - answer:
        parts.append("some clients who meet the definition are missing")
    if answer - key:
        parts.append("some listed clients do not meet it")
    opening = "partly right: " if share > 0 else "none of the listed clients meet the definition; "
    return share, opening + " and ".join(parts) + "." + (f" Note: {why}" if why else "")


def assert_computed(name: str, expected: object, kind: str, tol: float = 0.0, mistakes: dict | None = None,
                    points: float = 1) -> object:
    """The hidden check (instructor's copy). At autograde the grader does this outside the kernel."""
    value = normalise_computed(name, _answer(name), kind)
    share, message = computed_verdict(value, expected, kind, tol, mistakes)
    if share <= 0:
        raise WrongAnswer(f"{name}: {message}")
    print(f"{name}: {message}")
    if share < 1:
        return round(share * points, 4)  # nbgrader reads a number shown as the cell's result as partial credit
    return None


# --- turn labels (assignment 4: techniques and communication problems) ---------------------------------------

LABEL_KINDS = {"technique": "technique", "communication": "communication problem", "approach": "approach"}


def _label_parser(kind: str):
    from .techniques import CommunicationProblem, Technique

    if kind not in LABEL_KINDS:
        raise ValueError(f"unknown label kind {kind!r}")
    if kind == "approach":
        from .approaches import Approach

        return Approach.parse
    return Technique.parse if kind == "technique" else CommunicationProblem.parse


def _unit(kind: str) -> str:
    return "statement" if kind == "approach" else "turn"


def read_labels(value: object, kind: str, turns) -> tuple[dict[int, str], list[str]]:
    """(turn -> parsed label, problems) for a student's dict of labels; unlabelled and unreadable turns are
    problems, never guesses."""
    parse = _label_parser(kind)
    unit = _unit(kind)
    if not isinstance(value, dict):
        return {}, [f"write the labels as a dict from {unit} number to label in quotes, such as "
                    f"{{{list(turns)[0]}: \"...\"}}, not {type(value).__name__}"]
    labels, problems = {}, []
    wanted = [int(t) for t in turns]
    for turn in wanted:
        text = value.get(turn, value.get(str(turn), Ellipsis))
        if text is Ellipsis or (isinstance(text, str) and not text.strip()):
            problems.append(f"{unit} {turn}: not labelled yet")
            continue
        if type(text).__name__ == "Unquoted":  # read from the cell's text by the grader: not a literal
            problems.append(f"{unit} {turn}: {text!s} is not a label in quotes, so it cannot be read")
            continue
        try:
            labels[turn] = parse(text).label
        except ValueError as exc:
            problems.append(f"{unit} {turn}: {exc}")
    extra = sorted(str(k) for k in value if k not in wanted and str(k) not in map(str, wanted))
    if extra:
        problems.append(f"{unit}(s) {', '.join(extra)} are not asked for here (label {unit}s {', '.join(map(str, wanted))})")
    return labels, problems


def labels_verdict(value: object, expected: dict, kind: str) -> tuple[float, str]:
    """(share of the item's points 0..1, feedback per turn). The feedback never names the expected label."""
    key = {int(k): v for k, v in expected.items()}
    labels, problems = read_labels(value, kind, key)
    notes, right = [], 0
    parse = _label_parser(kind)
    unit = _unit(kind)
    for turn, wanted in key.items():
        if turn not in labels:
            continue
        if labels[turn] == parse(wanted).label:
            right += 1
            notes.append(f"{unit} {turn}: correct")
        else:
            notes.append(f"{unit} {turn}: {labels[turn]!r} is not the {LABEL_KINDS[kind]} the course team chose")
    text = "; ".join(notes + problems)
    return right / len(key), text if text.endswith(".") else text + "."


def check_labels(name: str, kind: str, turns) -> None:
    """Format check: every listed turn has a label that reads as a technique (or communication problem)."""
    value = _answer(name)
    labels, problems = read_labels(value, kind, turns)
    if problems:
        text = "; ".join(problems)
        raise MissingAnswer(f"{name}: {text}" + ("" if text.endswith(".") else "."))
    what = LABEL_KINDS[kind] + ("es" if kind == "approach" else "s")
    print(f"{name}: all {len(labels)} {_unit(kind)}s read as {what}. (Format check only: it does not say whether "
          "they are right.)")


def assert_labels(name: str, expected: dict, kind: str, points: float = 1) -> object:
    """The hidden check (instructor's copy); at autograde the grader re-does it from the answer cell's text."""
    share, message = labels_verdict(_answer(name), expected, kind)
    if share <= 0:
        raise WrongAnswer(f"{name}: {message}")
    print(f"{name}: {message}")
    return round(share * points, 4) if share < 1 else None


# --- the final exam: one item per student from each question's pool ---------------------------------------

def check_exam(name: str, kind: str) -> None:
    """Format check for exam question ``name`` (q1, q2, ...): how the answer reads, never whether it is right."""
    from .exam import read_answer

    value = _answer(name)
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
    from .exam import pick, read_answer

    item = pick(student, name, keys)
    try:
        given = read_answer(answer, kind)
    except ValueError as exc:
        return False, f"Question {name[1:]} (item {item}): {exc}"
    expected = read_answer(keys[item], kind)
    if given == expected:
        return True, f"Question {name[1:]} (item {item}): correct."
    return False, f"Question {name[1:]} (item {item}): not the answer the course team chose."


def assert_exam(name: str, keys: dict, kind: str) -> None:
    """The hidden check (instructor's copy); at autograde the grader re-does it from the answer cell's text with
    the submitting student's id."""
    from .exam import current_student

    right, message = exam_verdict(current_student(), name, _answer(name), keys, kind)
    if not right:
        raise WrongAnswer(message)
    print(message)
