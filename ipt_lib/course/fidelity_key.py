"""The instructor's side of the fidelity-rating exercise: the keys of ``data/fidelity/`` and the grading rule.

A student's rating (see ``ipt_lib.fidelity``) is compared with the key dimension by dimension. The rule and its
numbers are in :data:`RULE`; :func:`grade_rating` applies it and returns points and a message per dimension. The
messages name a dimension and a region of turns where the rating differed, never the key's score, turns or reasons.

>>> key = load_key("data/fidelity/f02.toml")
>>> excerpt = load_excerpt("data/fidelity/f02.toml")
>>> grade_rating(key.rating.as_literal(), key, excerpt).points == RULE.points_per_dimension * 5
True
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ..fidelity import (DIMENSIONS, MAX_RATED_TURNS, SCORES, DimensionRating, Excerpt, FidelityDataError, Rating,
                        default_folder, load_excerpt, load_form)

__all__ = ["GradingRule", "RULE", "KeyDimension", "Lapse", "ExcerptKey", "DimensionGrade", "RatingGrade",
           "load_key", "load_keys", "grade_rating", "rating_from_source", "turn_regions", "LAPSE_KINDS"]

LAPSE_KINDS = ("cbt_technique", "transference_interpretation", "focus_lost", "no_time_limit_reminder",
               "no_mood_event_link", "advice_before_exploration", "missed_risk_cue")


@dataclass(frozen=True)
class GradingRule:
    """How a rating earns its points, in one place.

    Per dimension: ``score_points`` for the key's score, ``near_points`` for a score within ``tolerance`` of it,
    and nothing further off; but a score above ``lapse_line`` where the key's is at or below it earns nothing even
    when within the tolerance, since the key saw a lapse there that the rating misses. Then ``turn_points`` times
    the share of the key's turns that the student named a turn within ``turn_window`` of. Only the first
    ``max_turns`` turns the student lists count, so listing every turn does not pay.

    Why these numbers. The key's scores were checked by a blind second rating (data/fidelity/README.md, issue 19):
    35 of 35 dimension ratings within one point of the key, 26 of 35 exact, and none of the nine one-point
    differences rated a lapse the key saw as no lapse. A tolerance of one point asks of a student what a second
    expert achieved, and no more; that rater earns 61 of the 70 score points here. Full credit for anything within
    one point would pay a rater who does not discriminate: a 4 on every dimension of the six graded excerpts is
    within one point of 24 of their 30 key scores. With exact and near scores paid differently and the lapse line,
    that rater keeps 30 of 60 score points, and the lapses (the point of the exercise) must be seen to earn
    anything. The turns are the rating's evidence: a good rater may cite a neighbouring turn or other turns than
    the key's, and turn agreement was not part of the blind check, so the turns earn the smaller share, a turn
    counts if it is within one turn of a key turn (the same exchange), and credit is by the share found.
    """

    tolerance: int = 1
    turn_window: int = 1
    max_turns: int = MAX_RATED_TURNS
    score_points: float = 2.0
    near_points: float = 1.0
    lapse_line: int = 3
    turn_points: float = 1.0
    region_size: int = 6

    @property
    def points_per_dimension(self) -> float:
        return self.score_points + self.turn_points


RULE = GradingRule()


@dataclass(frozen=True)
class KeyDimension:
    score: int
    turns: tuple[int, ...]
    why: str


@dataclass(frozen=True)
class Lapse:
    kind: str
    turns: tuple[int, ...]
    note: str


@dataclass(frozen=True)
class ExcerptKey:
    """An excerpt's key: per dimension a score, the one to four turns that justify it, and why."""

    excerpt_id: str
    use: str
    dimensions: tuple[tuple[str, KeyDimension], ...]
    lapses: tuple[Lapse, ...]

    def __getitem__(self, dimension_id: str) -> KeyDimension:
        return dict(self.dimensions)[dimension_id]

    @property
    def rating(self) -> Rating:
        """The key written as a student's rating (it scores full marks)."""
        return Rating(tuple((d, DimensionRating(k.score, k.turns)) for d, k in self.dimensions))


@dataclass(frozen=True)
class DimensionGrade:
    dimension: str
    points: float
    max_points: float
    message: str


@dataclass(frozen=True)
class RatingGrade:
    """What a grading-rule class wraps: points, the maximum, and one message per dimension (plus general ones)."""

    excerpt_id: str
    points: float
    max_points: float
    dimensions: tuple[DimensionGrade, ...]
    messages: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(list(self.messages) + [g.message for g in self.dimensions])


# --- reading the keys ------------------------------------------------------------------------------------------

def load_key(path: Path | str) -> ExcerptKey:
    """Read and check the ``[key]`` of one excerpt file; turn numbers must exist in the excerpt."""
    import tomllib

    path = Path(path)
    excerpt = load_excerpt(path)  # checks the rest of the file
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    key = raw.get("key")
    if not isinstance(key, dict):
        raise FidelityDataError(path, "key", "missing: every excerpt needs a [key]")
    numbers = set(excerpt.turn_numbers)
    dims = []
    for d in DIMENSIONS:
        entry = key.get(d)
        if not isinstance(entry, dict):
            raise FidelityDataError(path, f"key.{d}", "missing")
        score, turns, why = entry.get("score"), entry.get("turns"), entry.get("why")
        if score not in SCORES or isinstance(score, bool):
            raise FidelityDataError(path, f"key.{d}.score", f"expected a whole number from 1 to 5, got {score!r}")
        if (not isinstance(turns, list) or not 1 <= len(turns) <= MAX_RATED_TURNS
                or any(t not in numbers for t in turns) or len(set(turns)) != len(turns)):
            raise FidelityDataError(path, f"key.{d}.turns", f"expected 1 to {MAX_RATED_TURNS} distinct turn numbers "
                                    f"of this excerpt, got {turns!r}")
        if not isinstance(why, str) or not why.strip():
            raise FidelityDataError(path, f"key.{d}.why", "missing or empty")
        dims.append((d, KeyDimension(score, tuple(turns), why)))
    lapses = []
    for i, lp in enumerate(key.get("lapses", [])):
        where = f"key.lapses[{i}]"
        if not isinstance(lp, dict) or lp.get("kind") not in LAPSE_KINDS:
            raise FidelityDataError(path, f"{where}.kind", f"expected one of {', '.join(LAPSE_KINDS)}")
        if not isinstance(lp.get("turns"), list) or any(t not in numbers for t in lp["turns"]):
            raise FidelityDataError(path, f"{where}.turns", "expected turn numbers of this excerpt")
        if not isinstance(lp.get("note"), str) or not lp["note"].strip():
            raise FidelityDataError(path, f"{where}.note", "missing or empty")
        lapses.append(Lapse(lp["kind"], tuple(lp["turns"]), lp["note"]))
    if any(lp.kind == "missed_risk_cue" for lp in lapses) and not excerpt.content_note:
        # the wide pattern cannot see every cue ("be with him"), but the key names it
        raise FidelityDataError(path, "content_note", "required: the key plants a missed risk cue")
    return ExcerptKey(excerpt.id, excerpt.use, tuple(dims), tuple(lapses))


def load_keys(folder: Path | str | None = None) -> dict[str, ExcerptKey]:
    """Every excerpt's key in ``folder`` (default: data/fidelity), by excerpt id; the form is checked too."""
    folder = Path(folder) if folder else default_folder()
    load_form(folder / "form.toml")
    return {k.excerpt_id: k for k in (load_key(p) for p in sorted(folder.glob("f[0-9][0-9].toml")))}


# --- reading an answer without running it ----------------------------------------------------------------------

def rating_from_source(source: str, name: str) -> tuple[object, str]:
    """The literal last assigned to ``name`` in an answer cell's text, read with ``ast`` (never run): (value, problem).

    >>> rating_from_source('rating_f99 = {"adherence": (3, [4, 8])}', "rating_f99")
    ({'adherence': (3, [4, 8])}, '')
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None, "the answer cell is not valid Python, so the rating cannot be read"
    found = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found = node.value
    if found is None:
        return None, f"the answer cell does not set {name}"
    try:
        return ast.literal_eval(found), ""
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, (f"{name} must be written out as a dict of numbers and lists, such as "
                      '{"adherence": (3, [4, 8]), ...}; it is read without running the cell')


# --- the rule --------------------------------------------------------------------------------------------------

def turn_regions(excerpt: Excerpt, rule: GradingRule = RULE) -> tuple[tuple[int, int], ...]:
    """Fixed blocks of ``rule.region_size`` turns (1-6, 7-12, ...; a short last block joins the one before).

    Feedback points to these blocks, which depend only on the excerpt's length, so naming one tells a student
    where to look again without giving away a key turn."""
    last = max(excerpt.turn_numbers)
    size = rule.region_size
    blocks = [(start, min(start + size - 1, last)) for start in range(1, last + 1, size)]
    if len(blocks) > 1 and blocks[-1][1] - blocks[-1][0] + 1 < size // 2:
        blocks[-2:] = [(blocks[-2][0], blocks[-1][1])]
    return tuple(blocks)


def _regions_of(turns, regions) -> list[tuple[int, int]]:
    return [r for r in regions if any(r[0] <= t <= r[1] for t in turns)]


def _say_regions(regions) -> str:
    parts = [f"{a}-{b}" for a, b in regions]
    return "turns " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1])


def _whole(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _student_turns(value, rule: GradingRule) -> list[int]:
    """The first ``rule.max_turns`` distinct whole-number turns listed; anything else is not counted."""
    turns: list[int] = []
    if isinstance(value, (list, tuple)):
        for t in value:
            n = _whole(t)
            if n is not None and n not in turns:
                turns.append(n)
            if len(turns) == rule.max_turns:
                break
    return turns


def _grade_dimension(dim: str, name: str, entry, key: KeyDimension, regions, rule: GradingRule) -> DimensionGrade:
    top = rule.points_per_dimension
    if not isinstance(entry, (list, tuple)) or len(entry) != 2:
        return DimensionGrade(dim, 0.0, top, f"{name}: no score and turns could be read, so this dimension earns "
                              "nothing. Write it as (score, [turns]).")
    score, turn_value = _whole(entry[0]), entry[1]
    notes, points = [], 0.0
    if score is None or score not in SCORES:
        notes.append("the score could not be read as a whole number from 1 to 5")
    elif score == key.score:
        points += rule.score_points
    elif abs(score - key.score) <= rule.tolerance and not (key.score <= rule.lapse_line < score):
        points += rule.near_points
        notes.append(f"your score of {score} is within {_points(rule.tolerance)} of the key's but not the same; "
                     f"compare {_say_regions(_regions_of(key.turns, regions))} with the anchors either side")
    else:
        # one message for both ways of earning nothing, so that it says no more of the key than the points do
        notes.append(f"your score of {score} earns nothing: it is more than {_points(rule.tolerance)} from the "
                     f"key's, or rates as sound what the key sees as a lapse; reread "
                     f"{_say_regions(_regions_of(key.turns, regions))} against the anchors")
    named = _student_turns(turn_value, rule)
    found = [k for k in key.turns if any(abs(t - k) <= rule.turn_window for t in named)]
    points += rule.turn_points * len(found) / len(key.turns)
    missed = [k for k in key.turns if k not in found]
    if missed:
        notes.append(("your turns find none of the key's evidence" if not found else
                      "your turns find part of the key's evidence") + f"; look again at {_say_regions(_regions_of(missed, regions))}")
    message = f"{name}: " + ("; ".join(notes) + "." if notes else "within the tolerance, with the key's evidence found.")
    return DimensionGrade(dim, round(points, 2), top, message)


def _points(n: int) -> str:
    return {1: "one point", 2: "two points"}.get(n, f"{n} points")


def grade_rating(value: object, key: ExcerptKey, excerpt: Excerpt, rule: GradingRule = RULE,
                 names: dict[str, str] | None = None) -> RatingGrade:
    """Points and feedback for one rating (the literal read from the answer cell) against the excerpt's key.

    An answer that is not a dict earns 0 with a message; a dimension that cannot be read earns 0 for that
    dimension. ``names`` maps dimension ids to the form's names for the messages (default: the ids)."""
    names = names or {d: d for d in DIMENSIONS}
    top = rule.points_per_dimension * len(DIMENSIONS)
    if not isinstance(value, dict):
        return RatingGrade(excerpt.id, 0.0, top, (), (
            f"{excerpt.id}: the rating could not be read, so it earns nothing. Write it as a dict such as "
            '{"adherence": (3, [4, 8]), ...}, one entry for each of the five dimensions.',))
    regions = turn_regions(excerpt, rule)
    grades = tuple(_grade_dimension(d, names[d], value.get(d), key[d], regions, rule) for d in DIMENSIONS)
    extra = sorted(str(k) for k in value if k not in DIMENSIONS)
    messages = (f"{excerpt.id}: not a dimension of the form, so not graded: {', '.join(extra)}.",) if extra else ()
    return RatingGrade(excerpt.id, round(sum(g.points for g in grades), 2), top, grades, messages)
