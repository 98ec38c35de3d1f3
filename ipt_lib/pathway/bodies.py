"""The training bodies' requirements as data: one ``data/training/*.toml`` file per body, checked against a schema.

Every number there comes from the bodies' own pages as cited in the course bibliography (notebooks/references.md;
the data keep the course team's source ids for developers), and where the sources give no confirmed number the
requirement says ``unknown = true`` (data/training/README.md). A malformed file fails with a
:class:`PathwayDataError` naming the file and the field.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, NoReturn

from ..corpus import Corpus, CorpusFileError, Fields
from ..errors import StudentFacingError
from .log import PHASES, milestone_name

__all__ = ["Body", "Level", "Requirement", "PathwayDataError", "load_bodies", "load_body", "find_body",
           "default_folder", "REQUIREMENT_KINDS"]

# Case conditions a case-counting requirement may add (each checked on every case it counts).
_CASE_CONDITIONS = ("phases", "all_sessions_recorded", "supervision_ratio", "min_case_supervision_hours",
                    "min_case_recordings")


@dataclass(frozen=True)
class _Kind:
    unit: str
    counts: str            # what the log quantity is, for messages and the README
    extra: tuple[str, ...] = ()   # fields allowed besides the common ones
    numeric: bool = True   # needs `minimum` (unless unknown)


REQUIREMENT_KINDS: dict[str, _Kind] = {
    "training_hours": _Kind("hours", "hours in 'training' rows (introductory / foundational IPT training)"),
    "advanced_training_hours": _Kind("hours", "hours in 'advanced_training' rows (booster, advanced, CPD)"),
    "clinical_training_hours": _Kind("hours", "hours in 'clinical_training' rows (supervised training in delivering "
                                              "therapy, any model)"),
    "supervision_hours": _Kind("hours", "hours in 'supervision' rows (IPT supervision or consultation received)"),
    "supervision_given_hours": _Kind("hours", "hours in 'supervision_given' rows"),
    "teaching_hours": _Kind("hours", "hours in 'teaching' rows (IPT teaching given)"),
    "recordings": _Kind("recordings", "recordings in 'recording' rows"),
    "clinicians_supervised": _Kind("clinicians", "different clinicians named in 'supervision_given' rows"),
    "supervised_cases": _Kind("cases", "cases with sessions and supervision logged on them", _CASE_CONDITIONS),
    "portfolios": _Kind("portfolios", "cases with a 'portfolio' row", _CASE_CONDITIONS + ("pass_score",)),
    "measures_given": _Kind("cases", "portfolio cases whose measures follow the schedule",
                            ("instruments", "every_sessions")),
    "years_since": _Kind("years", "years since a 'milestone' row", ("milestone", "maximum")),
    "attestation": _Kind("", "nothing: you confirm it yourself", numeric=False),
    "unspecified": _Kind("", "nothing: the requirement is not known", numeric=False),
}

_COMMON = ("id", "kind", "description", "sources", "quote", "minimum", "unknown", "note", "section")
_SOURCE = re.compile(r"^S\d+$")
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class PathwayDataError(CorpusFileError):
    """A training-body file does not follow the schema; the message names the file and the field."""

    title = "Training data file problem"


@dataclass(frozen=True)
class Requirement:
    """One thing a level asks for, with the number the reference gives (or ``unknown``) and its sources."""

    id: str
    kind: str
    description: str
    sources: tuple[str, ...] = ()
    minimum: float | None = None
    unknown: bool = False
    note: str = ""
    quote: tuple[str, ...] = ()
    section: str = ""
    maximum: float | None = None
    milestone: str = ""
    phases: tuple[str, ...] = ()
    all_sessions_recorded: bool = False
    supervision_ratio: tuple[float, float] | None = None
    min_case_supervision_hours: float | None = None
    min_case_recordings: float | None = None
    pass_score: float | None = None
    instruments: tuple[str, ...] = ()
    every_sessions: float | None = None

    @property
    def unit(self) -> str:
        return REQUIREMENT_KINDS[self.kind].unit

    @property
    def self_report(self) -> bool:
        return self.kind == "attestation" and not self.unknown

    @property
    def numbers(self) -> dict[str, float]:
        """Every number this requirement carries, by field name (each must appear in the quoted reference text)."""
        found = {name: getattr(self, name) for name in ("minimum", "maximum", "min_case_supervision_hours",
                                                        "min_case_recordings", "pass_score", "every_sessions")
                 if getattr(self, name) is not None}
        if self.supervision_ratio:
            found["supervision_ratio[1]"], found["supervision_ratio[2]"] = self.supervision_ratio
        return found


@dataclass(frozen=True)
class Level:
    """A certification level (or a historical standard) of one body."""

    id: str
    name: str
    requirements: tuple[Requirement, ...]
    summary: str = ""
    route: str = ""
    prerequisites: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str = ""
    current: bool = True

    def requirement(self, requirement_id: str) -> Requirement:
        for req in self.requirements:
            if req.id == requirement_id:
                return req
        raise KeyError(f"{self.name} has no requirement {requirement_id!r} "
                       f"(it has: {', '.join(r.id for r in self.requirements)})")


@dataclass(frozen=True)
class Body:
    """A training body: its levels, where the numbers come from, and when they were retrieved."""

    id: str
    name: str
    section: str
    sources: tuple[str, ...]
    urls: tuple[str, ...]
    retrieved: str
    levels: tuple[Level, ...]
    country: str = ""
    notes: str = ""
    current: bool = True
    path: str = field(default="", compare=False)

    def level(self, level: str | Level) -> Level:
        """The level with this id (or name); the error lists the levels there are."""
        if isinstance(level, Level):
            return level
        key = str(level).strip().casefold()
        for lv in self.levels:
            if key in (lv.id.casefold(), lv.name.casefold()):
                return lv
        raise StudentFacingError(f"{self.name} has no level {level!r}. Its levels are: "
                                 f"{', '.join(lv.id for lv in self.levels)}.")


def default_folder() -> Path:
    """data/training in a checkout of the course repository, else the copy packaged with ipt_lib."""
    return CORPUS.default_folder()


def load_bodies(folder: Path | str | None = None) -> list[Body]:
    """Every ``*.toml`` body in ``folder`` (default data/training), current bodies first, then by id."""
    return CORPUS.load_all(folder)


def find_body(body: str | Body, bodies: Iterable[Body] | None = None) -> Body:
    """The body with this id (or name)."""
    if isinstance(body, Body):
        return body
    bodies = list(bodies) if bodies is not None else load_bodies()
    key = str(body).strip().casefold()
    for b in bodies:
        if key in (b.id.casefold(), b.name.casefold()):
            return b
    raise StudentFacingError(f"There is no training body {body!r}. Use one of: {', '.join(b.id for b in bodies)}.")


def load_body(path: Path | str) -> Body:
    """Read and validate one body file."""
    return CORPUS.load(path)


class _Validator:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, problem: str) -> NoReturn:
        raise PathwayDataError(self.path, where, problem)

    def fields(self, raw: dict, where: str) -> Fields:
        return Fields(raw, self.fail, f"{where}." if where else "")

    def sources(self, f: Fields, *, required: bool) -> tuple[str, ...]:
        values = f.texts("sources")
        if required and not values:
            f.fail("sources", "missing: give the source ids of works in the course bibliography (the `ids` of "
                              "data/references.toml), e.g. [\"S42\"]")
        from ..references import works_for_ids

        for s in values:
            if not _SOURCE.match(s):
                f.fail("sources", f"{s!r} is not a source id like 'S42' (the `ids` of data/references.toml)")
            if not works_for_ids([s]):
                f.fail("sources", f"{s!r} is the id of no work in the course bibliography: add the work to "
                                  "data/references.toml (with this id in its `ids`) or cite one that is there")
        return values

    def number(self, f: Fields, key: str) -> float | None:
        if key not in f:
            return None
        value = f.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            f.fail(key, f"must be a number above 0, got {value!r}")
        return float(value)

    def slug(self, f: Fields) -> str:
        value = f.text("id")
        if not _SLUG.match(value):
            f.fail("id", f"{value!r} must be lower case letters, digits and hyphens")
        return value

    # --- the three levels of the file --------------------------------------------------------------------
    def body(self, raw: dict) -> Body:
        allowed = ("id", "name", "country", "section", "sources", "urls", "retrieved", "notes", "current", "levels")
        f = self.fields(raw, "")
        f.only(allowed, ("id", "name", "section", "sources", "urls", "retrieved", "levels"))
        body_id = self.slug(f)
        if body_id != self.path.stem:
            self.fail("id", f"{body_id!r} does not match the file name (expected {self.path.stem!r}, "
                            "or rename the file)")
        section = f.text("section")
        if not re.match(r"^\d+(\.\d+)*$", section):
            self.fail("section", f"{section!r} must be a section number of the course team's fact sheet such as "
                                 "'7.2' (a pointer for developers; students see the works of `sources`)")
        levels_raw = raw["levels"]
        if not isinstance(levels_raw, list) or not levels_raw:
            self.fail("levels", "must be a non-empty list of [[levels]] tables")
        levels, ids = [], set()
        for i, lv in enumerate(levels_raw, 1):
            if not isinstance(lv, dict):
                self.fail(f"levels[{i}]", "must be a [[levels]] table")
            level = self.level(lv, i, section)
            if level.id in ids:
                self.fail(f"levels[{level.id}].id", "is used by two levels")
            ids.add(level.id)
            levels.append(level)
        for level in levels:
            for pre in level.prerequisites:
                if pre not in ids:
                    self.fail(f"levels[{level.id}].prerequisites", f"{pre!r} is not a level of this body")
        return Body(id=body_id, name=f.text("name"), section=section,
                    sources=self.sources(f, required=True), urls=f.texts("urls"),
                    retrieved=f.text("retrieved"), levels=tuple(levels),
                    country=f.text("country", empty_ok=True),
                    notes=f.text("notes", empty_ok=True),
                    current=f.flag("current", True), path=str(self.path))

    def level(self, raw: dict, index: int, section: str) -> Level:
        where = f"levels[{raw.get('id') if isinstance(raw.get('id'), str) else index}]"
        allowed = ("id", "name", "summary", "route", "prerequisites", "sources", "notes", "current", "requirements")
        f = self.fields(raw, where)
        f.only(allowed, ("id", "name", "requirements"))
        level_id = self.slug(f)
        reqs_raw = raw["requirements"]
        if not isinstance(reqs_raw, list) or not reqs_raw:
            f.fail("requirements", "must be a non-empty list of [[levels.requirements]] tables")
        reqs, ids = [], set()
        for j, rq in enumerate(reqs_raw, 1):
            if not isinstance(rq, dict):
                self.fail(f"{where}.requirements[{j}]", "must be a [[levels.requirements]] table")
            req = self.requirement(rq, f"{where}.requirements", j, section)
            if req.id in ids:
                self.fail(f"{where}.requirements[{req.id}].id", "is used by two requirements of this level")
            ids.add(req.id)
            reqs.append(req)
        return Level(id=level_id, name=f.text("name"), requirements=tuple(reqs),
                     summary=f.text("summary", empty_ok=True),
                     route=f.text("route", empty_ok=True),
                     prerequisites=f.texts("prerequisites"),
                     sources=self.sources(f, required=False),
                     notes=f.text("notes", empty_ok=True),
                     current=f.flag("current", True))

    def requirement(self, raw: dict, parent: str, index: int, section: str) -> Requirement:
        where = f"{parent}[{raw.get('id') if isinstance(raw.get('id'), str) else index}]"
        f = self.fields(raw, where)
        kind = raw.get("kind")
        if kind not in REQUIREMENT_KINDS:
            close = difflib.get_close_matches(str(kind), REQUIREMENT_KINDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            f.fail("kind", f"{kind!r} is not a requirement kind{hint}; use one of: {', '.join(REQUIREMENT_KINDS)}")
        spec = REQUIREMENT_KINDS[kind]
        f.only(_COMMON + spec.extra, ("id", "kind", "description"))
        unknown = f.flag("unknown", False)
        note = f.text("note", empty_ok=True)
        values: dict = dict(id=self.slug(f), kind=kind, description=f.text("description"),
                            unknown=unknown, note=note, quote=f.texts("quote"),
                            section=f.text("section", empty_ok=True) or section)
        for key in ("minimum", "maximum", "min_case_supervision_hours", "min_case_recordings", "pass_score",
                    "every_sessions"):
            if key in raw:
                values[key] = self.number(f, key)
        if "phases" in raw:
            phases = f.texts("phases")
            bad = [p for p in phases if p not in PHASES]
            if bad or not phases:
                f.fail("phases", f"{bad[0] if bad else '[]'!r} is not a phase; use: {', '.join(PHASES)}")
            values["phases"] = phases
        if "all_sessions_recorded" in raw:
            values["all_sessions_recorded"] = f.flag("all_sessions_recorded", False)
        if "supervision_ratio" in raw:
            ratio = raw["supervision_ratio"]
            if (not isinstance(ratio, list) or len(ratio) != 2
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and x > 0 for x in ratio)):
                f.fail("supervision_ratio", "must be [hours of supervision, per hours of therapy], "
                                                        "e.g. [1, 2]")
            values["supervision_ratio"] = (float(ratio[0]), float(ratio[1]))
        if "instruments" in raw:
            values["instruments"] = f.texts("instruments")
        if "milestone" in raw:
            milestone = milestone_name(f.text("milestone"))
            values["milestone"] = milestone

        req_sources = self.sources(f, required=False)
        values["sources"] = req_sources
        numbers = [k for k in ("minimum", "maximum", "min_case_supervision_hours", "min_case_recordings",
                               "pass_score", "every_sessions", "supervision_ratio") if k in raw]
        if unknown:
            if numbers:
                f.fail(numbers[0], "an unknown requirement carries no number: remove it, or remove "
                                                   "`unknown = true` if the reference confirms the number")
            if not note:
                f.fail("note", "an unknown requirement needs a note saying what the reference lacks")
        else:
            if kind == "unspecified":
                f.fail("kind", "'unspecified' is only for requirements with `unknown = true`")
            if spec.numeric and kind != "years_since" and "minimum" not in raw:
                f.fail("minimum", f"missing: a {kind} requirement needs its number from the "
                                              "reference, or `unknown = true` with a note")
            if not spec.numeric and numbers:
                f.fail(numbers[0], f"a {kind} requirement carries no number")
            if kind == "years_since":
                if not values.get("milestone"):
                    f.fail("milestone", "missing: name the milestone the years are counted from")
                if ("minimum" in raw) == ("maximum" in raw):
                    f.fail("minimum", "give either minimum (at least so many years since) or maximum "
                                                  "(within so many years), not both or neither")
            if kind == "measures_given" and (not values.get("instruments") or "every_sessions" not in raw):
                f.fail("instruments", "a measures_given requirement needs instruments and every_sessions")
            if numbers or values["quote"]:
                if not req_sources:
                    f.fail("sources", "missing: a requirement with a number needs its source ids")
            if numbers and not values["quote"]:
                f.fail("quote", "missing: quote the reference's words that give the number")
        return Requirement(**values)


def _line(body: Body) -> str:
    requirements = [r for level in body.levels for r in level.requirements]
    unknown = sum(r.unknown for r in requirements)
    return (f"{body.id}: {body.name}{'' if body.current else ' (historical)'}; {len(body.levels)} level(s), "
            f"{len(requirements)} requirements ({unknown} unknown); retrieved {body.retrieved}")


def _main(argv: list[str]) -> int:
    """``check [FOLDER]``: one line per body and every file's errors."""
    return CORPUS.main(argv, {"check": lambda good: [_line(b) for b in good]})


CORPUS = Corpus("training body", "training bodies", "training", "ipt_lib.pathway", PathwayDataError,
                lambda path, raw: _Validator(path).body(raw), source=lambda body: body.path,
                order=lambda body: (not body.current, body.id), require_files=True,
                counted="training-body file(s)")
