"""Fidelity ratings (assignment 7): the grading rule, the rule class the test cells and the grader share, and the
calls a notebook makes.

A rating (see ``ipt_lib.fidelity``) is compared with an excerpt's key dimension by dimension. The rule and its
numbers are in :data:`RULE`; :func:`grade_rating` applies it and returns points and a message per dimension. The
messages name a dimension and a region of turns where the rating differed, never the key's score, turns or reasons.
No key is held here: the graded keys are read on the instructor's side (``ipt_lib.course.fidelity_key``) and reach
the grader as the hidden check's literal (scores and turns only), the calibration excerpt's from its public record.

In a notebook: ``check_rating("rating_f02", "F02")`` is the visible format check; ``practice_rating("rating_f01",
"F01")`` gives the calibration excerpt's feedback at once (its key is public); the hidden
``assert_rating("rating_f02", "F02", 22, {...key...}, 15)`` is re-done by the grader from the answer cell's text.

>>> frame = ExcerptFrame("F99", tuple(range(1, 21)))
>>> key = key_from_literal({d: (3, [4]) for d in DIMENSIONS})
>>> grade_rating({d: (3, [5]) for d in DIMENSIONS}, key, frame).points
15.0
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..fidelity import DIMENSIONS, MAX_RATED_TURNS, SCORES, DimensionRating, Rating
from .answers import MissingAnswer, answer, whole_number
from .rules import Rule, Verdict

__all__ = ["GradingRule", "RULE", "KeyDimension", "Lapse", "ExcerptKey", "ExcerptFrame", "DimensionGrade",
           "RatingGrade", "grade_rating", "rating_from_source", "turn_regions", "key_from_literal", "RATING",
           "check_rating", "assert_rating", "practice_rating", "PUBLIC_FILE"]

PUBLIC_FILE = "fidelity.json"  # what the assignment ships beside its notebook (ipt_lib.fidelity.write_public)


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


def turn_regions(excerpt, rule: GradingRule = RULE) -> tuple[tuple[int, int], ...]:
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


def _student_turns(value, rule: GradingRule) -> list[int]:
    """The first ``rule.max_turns`` distinct whole-number turns listed; anything else is not counted."""
    turns: list[int] = []
    if isinstance(value, (list, tuple)):
        for t in value:
            n = whole_number(t)
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
    score, turn_value = whole_number(entry[0]), entry[1]
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
        where = _say_regions(_regions_of(missed, regions))
        notes.append(("your turns find none of the key's evidence" if not found else
                      "your turns find part of the key's evidence") + f"; look again at {where}")
    done = "within the tolerance, with the key's evidence found."
    message = f"{name}: " + ("; ".join(notes) + "." if notes else done)
    return DimensionGrade(dim, round(points, 2), top, message)


def _points(n: int) -> str:
    return {1: "one point", 2: "two points"}.get(n, f"{n} points")


def grade_rating(value: object, key: ExcerptKey, excerpt, rule: GradingRule = RULE,
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


@dataclass(frozen=True)
class ExcerptFrame:
    """What the rule needs of an excerpt: its id (for messages) and its turn numbers (for the turn regions)."""

    id: str
    turn_numbers: tuple[int, ...]


def key_from_literal(key: dict, excerpt_id: str = "", use: str = "graded") -> ExcerptKey:
    """An :class:`ExcerptKey` from the hidden check's literal ``{"adherence": (score, [turns]), ...}`` (no reasons:
    they stay in data/)."""
    return ExcerptKey(excerpt_id, use, tuple((d, KeyDimension(int(key[d][0]), tuple(key[d][1]), ""))
                                             for d in DIMENSIONS), ())


class RatingRule(Rule):
    """A fidelity rating against the excerpt's key: per dimension a score within one point and the key's turns
    (:data:`RULE`); the item's points are shared by the points earned."""

    function, format_check, partial = "assert_rating", "check_rating", True

    def read(self, source: str, name: str) -> tuple[object, str]:
        return rating_from_source(source, name)

    def grade(self, name: str, value: object, excerpt_id: str = "", last_turn: int = 0, key: dict | None = None,
              *_) -> Verdict:
        if not isinstance(key, dict) or not last_turn:
            return Verdict.wrong(f"{excerpt_id}: this item could not be graded: its key is missing. Tell your "
                                 "instructor.", "GradingError")
        # messages name each dimension as the student writes it in the dict ("adherence"), in the kernel and the
        # grader alike
        result = grade_rating(value, key_from_literal(key, excerpt_id), ExcerptFrame(excerpt_id,
                              tuple(range(1, int(last_turn) + 1))))
        share = result.points / result.max_points if result.max_points else 0.0
        return Verdict(share, f"{excerpt_id}: {result.points:g} of {result.max_points:g} rating points.\n"
                       + result.text, "WrongAnswer")


RATING = RatingRule()


def _excerpt(excerpt_id: str):
    from ..fidelity import load_public

    return load_public(PUBLIC_FILE).excerpt(excerpt_id)


def check_rating(name: str, excerpt_id: str) -> None:
    """Format check: the rating in ``name`` can be read as a rating of the excerpt. It never says if it is right."""
    from ..fidelity_format import check_rating_format

    try:
        value = answer(name)
    except MissingAnswer:
        value = Ellipsis
    result = check_rating_format(value, _excerpt(excerpt_id))
    if not result.ok:
        raise MissingAnswer(str(result))
    print(result)


def practice_rating(name: str, excerpt_id: str) -> None:
    """Immediate feedback on the calibration rating, by the same rule as the graded ones (its key is public)."""
    from ..fidelity_format import check_rating_format

    excerpt = _excerpt(excerpt_id)
    if excerpt.shown_key is None:
        raise MissingAnswer(f"{excerpt_id} is graded: its feedback comes after grading.")
    try:
        value = answer(name)
    except MissingAnswer:
        value = Ellipsis
    check = check_rating_format(value, excerpt)
    if not check.ok:
        print(check)
        return
    key = ExcerptKey(excerpt.id, excerpt.use, tuple((d, KeyDimension(s, t, w))
                                                    for d, s, t, w in excerpt.shown_key.dimensions), ())
    result = grade_rating(value, key, excerpt)
    print(f"{excerpt.id} (practice): {result.points:g} of {result.max_points:g} rating points, by the rule the "
          "graded excerpts use. Compare your rating with the key above, dimension by dimension.")
    print(result.text)


def assert_rating(name: str, excerpt_id: str, last_turn: int, key: dict, points: float = 15) -> object:
    """The hidden check (instructor's copy); at autograde the grader re-does it from the answer cell's text."""
    return RATING.grade(name, answer(name), excerpt_id, last_turn, key).settle(points, partial=True)
