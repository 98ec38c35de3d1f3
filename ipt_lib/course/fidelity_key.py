"""The instructor's side of the fidelity-rating exercise: the keys of ``data/fidelity/`` and the grading rule.

A student's rating (see ``ipt_lib.fidelity``) is compared with the key dimension by dimension. The rule and its
numbers (:data:`RULE`, :func:`grade_rating`) live in ``ipt_lib.grading.ratings``, where the test cells and the
grader find them, and are re-exported here; this module reads the keys, which never leave the instructor's side.

>>> key = load_key("data/fidelity/f02.toml")
>>> excerpt = load_excerpt("data/fidelity/f02.toml")
>>> grade_rating(key.rating.as_literal(), key, excerpt).points == RULE.points_per_dimension * 5
True
"""

from __future__ import annotations

from pathlib import Path

from ..fidelity import DIMENSIONS, MAX_RATED_TURNS, SCORES, FidelityDataError, default_folder, load_excerpt, load_form
from ..grading.ratings import (RULE, DimensionGrade, ExcerptKey, GradingRule, KeyDimension, Lapse, RatingGrade,
                               grade_rating, rating_from_source, turn_regions)

__all__ = ["GradingRule", "RULE", "KeyDimension", "Lapse", "ExcerptKey", "DimensionGrade", "RatingGrade",
           "load_key", "load_keys", "grade_rating", "rating_from_source", "turn_regions", "LAPSE_KINDS"]

LAPSE_KINDS = ("cbt_technique", "transference_interpretation", "focus_lost", "no_time_limit_reminder",
               "no_mood_event_link", "advice_before_exploration", "missed_risk_cue")


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
