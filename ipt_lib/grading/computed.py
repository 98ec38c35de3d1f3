"""Computed answers (assignment 3): a rate, a median, a list of clients, which only running the student's code
produces.

The visible check reads the answer's format. The hidden ``assert_computed`` call holds the key; at autograde the
grader takes that call out of the cell before the kernel sees it (``ipt_lib.course.preprocessors.SealComputedKeys``),
puts ``report_computed`` in its place, and compares the reported value with the key in the grader's own process
(``StaticAnswerGrader``), so no code in the notebook can read or change the key.
"""

from __future__ import annotations

from ..problem_areas import ProblemArea
from .answers import MissingAnswer, answer
from .rules import Rule, Verdict

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
    value = normalise_computed(name, answer(name), kind)
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

    value = normalise_computed(name, answer(name), kind)
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


class ComputedRule(Rule):
    """A value the student's code computes, compared with the key within a tolerance; lists earn partial credit."""

    function, format_check, reads, partial = "assert_computed", "check_computed", "kernel", True

    def grade(self, name: str, value: object, expected: object = None, kind: str = "number", tol: float = 0.0,
              mistakes: dict | None = None) -> Verdict:
        """``value`` as ``normalise_computed`` returns it (in the grader: as the kernel reported it)."""
        share, message = computed_verdict(value, expected, kind, float(tol), mistakes)
        return Verdict(share, f"{name}: {message}")


COMPUTED = ComputedRule()


def assert_computed(name: str, expected: object, kind: str, tol: float = 0.0, mistakes: dict | None = None,
                    points: float = 1) -> object:
    """The hidden check (instructor's copy). At autograde the grader does this outside the kernel."""
    value = normalise_computed(name, answer(name), kind)
    return COMPUTED.grade(name, value, expected, kind, tol, mistakes).settle(points, partial=True)
