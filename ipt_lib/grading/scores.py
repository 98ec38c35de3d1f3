"""A client's questionnaire scores over a course (assignment 8): PHQ-9 and GAD-7 totals and severity bands at each
time point, response and remission at the end, and the sessions whose PHQ-9 item 9 calls for a risk review.

The answer is a dict literal, read from the answer cell's text with ``ast`` (never run), so the grader judges what
the student wrote. One unit per scale and session (half for the total, half for the band), one for response, one for
remission and one for the item-9 sessions; the item's points are shared by the units earned. Feedback names the
scale and session that differ and what to recheck, never the key's value. The key (worked out on the instructor's
side by ``ipt_lib.course.portfolio.measures_key``) reaches the grader only as the hidden check's literal.

>>> key = {"phq9": {1: (19, ["moderately severe"])}, "gad7": {1: (12, ["moderate"])}, "response": True,
...        "remission": False, "item9": [1]}
>>> v = SCORES.grade("measures", {"phq9": {1: (19, "moderately severe")}, "gad7": {1: (12, "mild")},
...                               "response": True, "remission": False, "item9": [1]}, key)
>>> round(v.share, 3)
0.9
"""

from __future__ import annotations

from .answers import MissingAnswer, answer, whole_number
from .rules import Rule, Verdict

SCALES = {"phq9": "PHQ-9", "gad7": "GAD-7"}
FORMAT = ('{"phq9": {1: (total, "band"), ...}, "gad7": {1: (total, "band"), ...}, "response": True or False, '
          '"remission": True or False, "item9": [sessions]}')


def _band(text: object) -> str:
    return " ".join(str(text).casefold().replace("-", " ").replace("_", " ").replace("/", " ").split())


def _has_ellipsis(value: object) -> bool:
    if value is Ellipsis:
        return True
    if isinstance(value, dict):
        return any(_has_ellipsis(v) for v in value.values())
    return isinstance(value, (list, tuple)) and any(_has_ellipsis(v) for v in value)


def _problems(value: object, sessions: dict[str, list[int]]) -> list[str]:
    """What keeps ``value`` from being read as a scores answer (format only: no key involved beyond the sessions)."""
    if value is Ellipsis or _has_ellipsis(value):
        return ["No answer yet: replace each ... with your value"]
    if not isinstance(value, dict):
        return [f"measures must be a dict written out as {FORMAT}"]
    problems = []
    for scale, label in SCALES.items():
        table = value.get(scale)
        if not isinstance(table, dict):
            problems.append(f'"{scale}" must be a dict from session number to (total, "band")')
            continue
        for session in sessions[scale]:
            entry = table.get(session)
            if entry is Ellipsis or entry is None:
                problems.append(f"{label} at session {session} is missing")
            elif not (isinstance(entry, (tuple, list)) and len(entry) == 2 and whole_number(entry[0]) is not None
                      and isinstance(entry[1], str)):
                problems.append(f'{label} at session {session} must be (total, "band"), such as (7, "mild")')
        extra = sorted(str(s) for s in table if s not in sessions[scale])
        if extra:
            problems.append(f"{label}: session(s) {', '.join(extra)} were not measured in this case")
    for name in ("response", "remission"):
        if not isinstance(value.get(name), bool):
            problems.append(f'"{name}" must be True or False')
    item9 = value.get("item9")
    if not isinstance(item9, (list, tuple)) or any(whole_number(s) is None for s in item9):
        problems.append('"item9" must be a list of session numbers, such as [1, 8] (or [] if none)')
    return problems


class ScoresRule(Rule):
    """Totals and bands per scale and session, response, remission and the item-9 sessions, with partial credit."""

    function, format_check, partial = "assert_scores", "check_scores", True

    def read(self, source: str, name: str) -> tuple[object, str]:
        from .cell_text import static_literal

        value, problem = static_literal(source, name)
        if problem and "not computed" in problem:
            problem = (f"{name} must be written out as a dict of numbers, text and True/False, such as {FORMAT}; "
                       "it is read without running the cell, so a calculation inside it cannot be read (work the "
                       "numbers out in the cell above, then type them in)")
        return value, problem

    def grade(self, name: str, value: object, key: dict | None = None, *_) -> Verdict:
        if not isinstance(key, dict):
            return Verdict.wrong(f"{name}: this item could not be graded: its key is missing. Tell your instructor.",
                                 "GradingError")
        sessions = {scale: sorted(key[scale]) for scale in SCALES}
        if not isinstance(value, dict) or _has_ellipsis(value):  # a stub left as it was earns nothing
            return Verdict.wrong(f"{name}: " + "; ".join(_problems(value, sessions)) + ".", "UnreadableAnswer")
        units = sum(len(s) for s in sessions.values()) + 3
        earned, notes = 0.0, []
        for scale, label in SCALES.items():
            table = value.get(scale) if isinstance(value.get(scale), dict) else {}
            for session in sessions[scale]:
                total, bands = key[scale][session]
                entry = table.get(session)
                if not (isinstance(entry, (tuple, list)) and len(entry) == 2):
                    notes.append(f"{label} at session {session}: missing or not (total, \"band\").")
                    continue
                right_total = whole_number(entry[0]) == total
                right_band = _band(entry[1]) in {_band(b) for b in bands}
                earned += 0.5 * right_total + 0.5 * right_band
                if not right_total:
                    notes.append(f"{label} at session {session}: the total is not the course team's; add up the "
                                 "item answers again (each item 0-3).")
                if not right_band:
                    notes.append(f"{label} at session {session}: the band is not the one the course's cut-offs "
                                 "give for the total (Kroenke et al., 2001; Spitzer et al., 2006).")
        if value.get("response") is key["response"]:
            earned += 1
        else:
            notes.append("response: not the course team's answer. Response is a fall of 50% or more from the "
                         "intake PHQ-9 to the last one (ICSI, n.d.).")
        if value.get("remission") is key["remission"]:
            earned += 1
        else:
            notes.append("remission: not the course team's answer. PHQ-9 remission is a last score below 5 "
                         "(ICSI, n.d.; Kroenke et al., 2001).")
        given = value.get("item9")
        named = sorted({whole_number(s) for s in given} - {None}) if isinstance(given, (list, tuple)) else None
        if named == sorted(key["item9"]):
            earned += 1
        else:
            notes.append("item9: not the sessions the course team lists. Read item 9 at every time point: above 0 "
                         "calls for a risk review whatever the total (Simon et al., 2013).")
        share = earned / units
        head = f"{name}: {earned:g} of {units} parts right."
        return Verdict(share, "\n".join([head] + notes) if notes else head + " Every total, band and judgement is "
                       "right.")


SCORES = ScoresRule()


def check_scores(name: str, phq9_sessions: list[int], gad7_sessions: list[int]) -> None:
    """Format check: the answer can be read, with one entry per measured session. It never says if it is right."""
    try:
        value = answer(name)
    except MissingAnswer:
        value = Ellipsis
    problems = _problems(value, {"phq9": list(phq9_sessions), "gad7": list(gad7_sessions)})
    if problems:
        raise MissingAnswer(f"{name}: " + "; ".join(problems) + ".")
    print(f"{name}: your answer can be read ({len(phq9_sessions)} PHQ-9 and {len(gad7_sessions)} GAD-7 time points, "
          "response, remission, item 9). (Format check only: it does not say whether it is right.)")


def assert_scores(name: str, key: dict, points: float = 1) -> object:
    """The hidden check (instructor's copy); at autograde the grader re-does it from the answer cell's text."""
    return SCORES.grade(name, answer(name), key).settle(points, partial=True)
