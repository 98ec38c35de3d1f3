"""Assignment 7 (fidelity and the therapist's reply): the sample class. Ratings are derived from the key at run time
(data/fidelity), never written here; each profile's score is worked out from the rule (``ipt_lib.grading.ratings``:
per dimension 2 for the key's score, 1 within one point unless the key's is 3 or below and the rating's above 3,
plus 1 by the share of the key's turns found within one turn; 15 points per excerpt, scaled from 15 rating points).
45 autograded points (F02, F03, F05) and 12 by hand (four drills, 3 each)."""

from __future__ import annotations

from .profile import Profile, blank, find_cell

DRILLS = ("D01", "D02", "D03", "D05")


def _source(name: str, rating: dict) -> str:
    rows = "".join(f'    "{d}": ({s!r}, {list(t)!r}),\n' for d, (s, t) in rating.items())
    return f"{name} = {{\n{rows}}}"


def _model_replies() -> dict[str, str]:
    from ..cells import repo_root
    from ..drill_feedback import load_drill_key

    folder = repo_root() / "data" / "drills"
    return {d: load_drill_key(folder / f"{d.lower()}.toml").models[0].reply for d in DRILLS}


def _ratings(change=None, replies: bool = True, extra=None):
    """Write every rating from the key, ``change(name, rating) -> rating`` applied; the drills' first model reply."""
    def edit(nb, key):
        for name, rating in key.items():
            rating = {d: (s, list(t)) for d, (s, t) in rating.items()}
            if change:
                rating = change(name, rating)
            find_cell(nb, f"{name}_answer").source = ("# Score 1-5 and one to four turns for each dimension.\n"
                                                      + _source(name, rating))
        if replies:
            for drill, reply in _model_replies().items():
                find_cell(nb, f"{drill}_answer").source = reply
        if extra:
            extra(nb)
    return edit


def _all_fours(name, rating):
    """A lenient rater: a 4 on every dimension, with the key's own turns."""
    return {d: (4, t) for d, (s, t) in rating.items()}


def _typical(name, rating):
    """Misses the risk cue on F02 (competence rated 4 where the key sees a lapse) and cites F03's adherence turns
    in the wrong region (every key turn moved on by eight)."""
    out = dict(rating)
    if name == "rating_f02":
        out["competence"] = (4, out["competence"][1])
    if name == "rating_f03":
        score, turns = out["adherence"]
        out["adherence"] = (score, [t + 8 if t + 8 <= 22 else t - 8 for t in turns])
    return out


def _tamper_f02_test(nb) -> None:
    find_cell(nb, "rating_f02_test").source = "print('rating_f02: 15 of 15 rating points.')"


def _f02_all_ones(name, rating):
    """F02 rated 1 on every dimension, with the key's turns: only competence is within a point (6 of 15)."""
    return {d: (1, t) for d, (s, t) in rating.items()} if name == "rating_f02" else rating


def _manual(score: float) -> dict[str, float]:
    return {f"{d}_answer": score for d in DRILLS}


def fidelity_class(key: dict | None = None) -> list[Profile]:
    return [
        Profile("ada", "perfect: every rating is the key's; the first model reply to each drill", _ratings(),
                45, _manual(3), "Each reply does what the rubric asks."),
        Profile("ben", "blank: submitted untouched", blank, 0, _manual(0), "No reply was written."),
        Profile("cleo", "a lenient rater: a 4 on every dimension of every excerpt (the key's turns)",
                _ratings(_all_fours), 27, _manual(2)),
        Profile("dev", "typical errors: missed the risk cue on F02's competence, F03's adherence turns in the "
                "wrong region", _ratings(_typical), 42, _manual(2)),
        Profile("eve", "F02 rated 1 on every dimension, and its test cell replaced with a print of full marks",
                _ratings(_f02_all_ones, extra=_tamper_f02_test), 36, _manual(3)),
    ]
