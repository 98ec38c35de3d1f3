"""The instructor's side of the drills: each drill's rubric and model replies, and the Markdown feedback shows.

A student sees a drill's rubric and models only after grading (data/drills/README.md, "Who sees what"). This
module reads them from ``data/drills/dNN.toml`` and writes the Markdown for a read-only cell: the rubric as an HTML
table (:func:`ipt_lib.course.rubric.rubric_table`, padded so it reads in Formgrader and the feedback page), the two
model replies with why they work, and the steps that must follow where the drill has them (the risk drill).

>>> key = load_drill_key("data/drills/d03.toml")
>>> "What must follow" in feedback_markdown(key)
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from ..drills import Drill, DrillDataError, default_folder, load_drill, self_check
from .rubric import rubric_table

__all__ = ["ModelReply", "Rubric", "DrillKey", "load_drill_key", "load_drill_keys", "feedback_markdown"]


@dataclass(frozen=True)
class ModelReply:
    reply: str
    why: str


@dataclass(frozen=True)
class Rubric:
    fits: str
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    total: int
    must_points: int
    must_not_points: int
    how: str
    then: tuple[str, ...] = ()


@dataclass(frozen=True)
class DrillKey:
    """A drill with what only the grader sees before grading: the rubric and two model replies."""

    drill: Drill
    rubric: Rubric
    models: tuple[ModelReply, ...]


def _texts(path: Path, where: str, value: object, low: int, high: int) -> tuple[str, ...]:
    if (not isinstance(value, list) or not low <= len(value) <= high
            or not all(isinstance(v, str) and v.strip() for v in value)):
        raise DrillDataError(path, where, f"expected a list of {low} to {high} texts")
    return tuple(value)


def load_drill_key(path: Path | str) -> DrillKey:
    """Read one drill with its rubric and models; every model reply must pass the drill's own self-check."""
    import tomllib

    path = Path(path)
    drill = load_drill(path)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    r = raw.get("rubric")
    if not isinstance(r, dict):
        raise DrillDataError(path, "rubric", "missing")
    if not isinstance(r.get("fits"), str) or not r["fits"].strip():
        raise DrillDataError(path, "rubric.fits", "missing or empty")
    p = r.get("points")
    if (not isinstance(p, dict) or not all(isinstance(p.get(k), int) for k in ("total", "must", "must_not"))
            or p["must"] + p["must_not"] != p["total"] or not isinstance(p.get("how"), str)):
        raise DrillDataError(path, "rubric.points", "expected { total, must, must_not, how } with must + must_not = total")
    then = _texts(path, "rubric.then", r["then"], 1, 8) if "then" in r else ()
    rubric = Rubric(r["fits"], _texts(path, "rubric.must", r.get("must"), 2, 4),
                    _texts(path, "rubric.must_not", r.get("must_not"), 2, 4), p["total"], p["must"], p["must_not"],
                    p["how"], then)
    models = raw.get("models")
    if not isinstance(models, list) or len(models) != 2:
        raise DrillDataError(path, "models", "expected exactly two [[models]]")
    replies = []
    for i, m in enumerate(models):
        if not isinstance(m, dict) or not all(isinstance(m.get(k), str) and m[k].strip() for k in ("reply", "why")):
            raise DrillDataError(path, f"models[{i}]", "expected reply and why, both text")
        check = self_check(m["reply"], drill)
        if not check.ok:
            raise DrillDataError(path, f"models[{i}].reply", "fails the drill's own self-check: "
                                 + " ".join(check.problems))
        replies.append(ModelReply(m["reply"], m["why"]))
    return DrillKey(drill, rubric, tuple(replies))


def load_drill_keys(folder: Path | str | None = None) -> dict[str, DrillKey]:
    """Every drill with its rubric and models, by drill id."""
    folder = Path(folder) if folder else default_folder()
    return {k.drill.id: k for k in (load_drill_key(p) for p in sorted(folder.glob("d[0-9][0-9].toml")))}


def _rubric_rows(r: Rubric) -> list[tuple[str, str]]:
    rows = [("Fits the moment", r.fits)]
    rows += [(f"Must ({r.must_points} points in all)" if i == 0 else "Must", item) for i, item in enumerate(r.must)]
    rows += [(f"Must not ({r.must_not_points} point{'s' * (r.must_not_points != 1)})" if i == 0 else "Must not", item)
             for i, item in enumerate(r.must_not)]
    rows.append((f"How the {r.total} points are given", r.how))
    return rows


def feedback_markdown(key: DrillKey) -> str:
    """The Markdown shown after grading: the rubric table, the two model replies and why they work, and the
    steps that must follow (where the drill has them)."""
    def e(text: str) -> str:
        return html.escape(' '.join(text.split()), quote=False)

    d, r = key.drill, key.rubric
    parts = [f"### {e(d.id)} ({e(d.title)}): how it was graded, and two model replies", "",
             "The rubric your reply was graded with. A reply that does what it asks in other words earns the same "
             "points as the models.",
             rubric_table(("Part", "What the reply does"), _rubric_rows(r)),
             "**Two model replies.** Examples, not the only right answers.", ""]
    for i, m in enumerate(key.models, 1):
        parts += [f"> {e(m.reply)}", "", f"*Why it works ({i}).* {e(m.why)}", ""]
    if r.then:
        parts += ["**What must follow, in this session and after it** (not graded: it does not fit in one reply).",
                  ""]
        parts += [f"{i}. {e(step)}" for i, step in enumerate(r.then, 1)]
        parts.append("")
    return "\n".join(parts)
