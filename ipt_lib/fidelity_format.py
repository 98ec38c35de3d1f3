"""The visible format check of a fidelity rating: can the student's dict be read as a rating of the excerpt?

It says what cannot be read, never whether a rating is right; the grader reads a rating the same way
(``read_rating``), so a rating that passes the check is graded as shown.

>>> from ipt_lib.fidelity import load_public_folder
>>> check_rating_format({"adherence": (3, [4, 8])}, load_public_folder().excerpt("F02")).ok
False
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .fidelity import DIMENSIONS, MAX_RATED_TURNS, SCORES, DimensionRating, Excerpt, Rating
from .grading.answers import whole_number

__all__ = ["FormatCheck", "read_rating", "check_rating_format"]


@dataclass(frozen=True)
class FormatCheck:
    """The result of the visible format check: problems as sentences (none if the rating can be read)."""

    excerpt_id: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return (f"{self.excerpt_id}: your rating can be read: a score and turns for all five dimensions. "
                    "(Format check only: it does not say whether the rating is right.)")
        return "\n".join([f"{self.excerpt_id}: your rating cannot be read yet. Fix these, then run this cell again:"]
                         + [f"  - {p}" for p in self.problems])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b35900"
        head, *items = str(self).split("\n")
        listed = "".join(f"<li>{html.escape(i.strip()[2:])}</li>" for i in items)
        return (f"<div class='ipt-feedback' role='status' style='border-left:4px solid {colour};padding:4px 12px;"
                f"max-width:46em'><b style='color:{colour}'>{html.escape(head)}</b>"
                f"{'<ul>' + listed + '</ul>' if listed else ''}</div>")




def _describe(value: object) -> str:
    if isinstance(value, str):
        return f"the text {value!r} in quotes"
    if value is Ellipsis:
        return "... (not filled in yet)"
    return repr(value)


_EXAMPLE = '{"adherence": (3, [4, 8]), ...}'


def read_rating(value: object, excerpt: Excerpt) -> tuple[Rating | None, list[str]]:
    """(the rating, []) if ``value`` can be read as a rating of ``excerpt``, else (None, the problems as sentences).

    The same reading serves the visible check and the grader, so a rating that passes the check is read as shown.
    """
    if value is Ellipsis or value is None:
        return None, [f"No rating yet: replace the ... with a dict such as {_EXAMPLE}, one entry for each of the "
                      f"five dimensions."]
    if not isinstance(value, dict):
        return None, [f"Write the rating as a dict from dimension name to (score, [turns]), such as {_EXAMPLE}; "
                      f"this is {type(value).__name__}."]
    if value and all(isinstance(v, (tuple, list)) and v and v[0] is Ellipsis for v in value.values()):
        return None, ["No answer yet: replace each ... with a score from 1 to 5 and each [...] with the turns that "
                      "justify it, such as (3, [4, 8])."]
    problems: list[str] = []
    known = set(DIMENSIONS)
    for key in value:
        if key not in known:
            hint = _closest(key)
            problems.append(f"{key!r} is not a dimension of the form" + (f"; did you mean {hint!r}?" if hint else
                            f". The dimensions are: {', '.join(DIMENSIONS)}."))
    numbers = set(excerpt.turn_numbers)
    last = max(numbers)
    rated = []
    for d in DIMENSIONS:
        if d not in value:
            problems.append(f"{d}: not rated yet. Add \"{d}\": (score, [turns]).")
            continue
        entry = value[d]
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            problems.append(f"{d}: write a score and a list of turns in brackets, such as (3, [4, 8]); "
                            f"got {_describe(entry)}.")
            continue
        score_value, turns_value = entry
        score = whole_number(score_value)
        ok = True
        if isinstance(score_value, str):
            problems.append(f"{d}: the score {score_value!r} is in quotes. Write it as a number without quotes, "
                            "such as 4.")
            ok = False
        elif score is None:
            problems.append(f"{d}: the score must be a whole number from 1 to 5; {score_value!r} is not a whole "
                            "number." if isinstance(score_value, float) else
                            f"{d}: the score must be a whole number from 1 to 5, not {_describe(score_value)}.")
            ok = False
        elif score not in SCORES:
            problems.append(f"{d}: a score of {score} is outside the scale. Use a whole number from 1 to 5.")
            ok = False
        if not isinstance(turns_value, (list, tuple)):
            problems.append(f"{d}: write the turns as a list in square brackets, such as [4, 8], even for one turn; "
                            f"got {_describe(turns_value)}.")
            continue
        if not turns_value:
            problems.append(f"{d}: name at least one turn that justifies the score.")
            ok = False
        if len(turns_value) > MAX_RATED_TURNS:
            problems.append(f"{d}: {len(turns_value)} turns are listed; name at most {MAX_RATED_TURNS}, the ones "
                            "that most justify the score.")
            ok = False
        turns = []
        for t in turns_value:
            n = whole_number(t)
            if isinstance(t, str):
                problems.append(f"{d}: the turn {t!r} is in quotes. Write it as a number without quotes, such as 9.")
                ok = False
            elif n is None:
                problems.append(f"{d}: {_describe(t)} is not a turn number (turns are whole numbers).")
                ok = False
            elif n not in numbers:
                problems.append(f"{d}: there is no turn {n} in {excerpt.id}; its turns are numbered 1 to {last}.")
                ok = False
            elif n in turns:
                problems.append(f"{d}: turn {n} is listed twice; name each turn once.")
                ok = False
            else:
                turns.append(n)
        if ok:
            rated.append((d, DimensionRating(score, tuple(turns))))
    if problems:
        return None, problems
    return Rating(tuple(rated)), []


def _closest(word: object) -> str | None:
    import difflib

    text = str(word).strip().casefold()
    if text in DIMENSIONS:
        return text
    match = difflib.get_close_matches(text, DIMENSIONS, n=1, cutoff=0.6)
    return match[0] if match else None


def check_rating_format(value: object, excerpt: Excerpt) -> FormatCheck:
    """The visible check a student runs: can this rating be read? It never says whether the rating is right.

    >>> from ipt_lib.fidelity import load_public_folder
    >>> e = load_public_folder().excerpt("F02")
    >>> print(check_rating_format({d: (4, [1]) for d in DIMENSIONS}, e).ok)
    True
    """
    _, problems = read_rating(value, excerpt)
    return FormatCheck(excerpt.id, tuple(problems))
