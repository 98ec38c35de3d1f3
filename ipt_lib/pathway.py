"""The road to IPT certification: the training bodies' requirements as data, a trainee's log, and progress.

Three parts, each usable on its own:

* **Bodies** (:class:`Body`, :class:`Level`, :class:`Requirement`) are read from ``data/training/*.toml``, one file
  per training body; every number there comes from the bodies' own pages as cited in the course bibliography
  (notebooks/references.md; the data keep the course team's source ids for developers), and where the
  sources give no confirmed number the requirement says ``unknown = true`` (data/training/README.md).
* **The trainee log** (:class:`TraineeLog`) is a CSV file the trainee owns and may edit in a spreadsheet. Its
  columns are ``date, kind, amount, case_id, phase, detail, note`` (``note`` may be left out)::

      date,kind,amount,case_id,phase,detail,note
      2025-01-20,training,16,,,ISIPT introductory course,two days
      2025-02-03,session,0.8,C1,initial,,
      2025-02-04,supervision,1,C1,initial,Dr A,
      2025-02-03,measure,,C1,initial,PHQ-9,intake

  ``date`` is YYYY-MM-DD; ``kind`` is one of :data:`ENTRY_KINDS` (what ``amount``, ``case_id``, ``phase`` and
  ``detail`` mean for each is in that table and in the README); ``case_id`` is a code such as C1, never a
  client's name; ``phase`` is initial, middle or ending. Bad rows are reported together, each by its row number
  (the header is row 1, as in a spreadsheet) and column.
* **Progress**: :func:`assess` compares a log with one level and lists each requirement as *met*, *missing* (with
  how much is still needed), *unknown* (the reference has no confirmed number) or *self-report* (something a log
  cannot check, such as a licence). :func:`progress_figure` draws it.

>>> log = TraineeLog()
>>> _ = log.add(date="2025-01-20", kind="training", amount=16, detail="introductory course")
>>> bodies = load_bodies()                                         # doctest: +SKIP
>>> assess(log, "isipt", "therapist").summary()                   # doctest: +SKIP
'International Society of ... (ISIPT), Therapist certification: 1 met, 2 missing, 0 unknown, 6 to confirm yourself.'

Importing this module is cheap: pandas, matplotlib and TOML are loaded only by the functions that need them.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import enum
import html
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from .errors import StudentFacingError
from .references import cite_ids

__all__ = [
    "Body", "Level", "Requirement", "PathwayDataError", "load_bodies", "load_body", "find_body", "default_folder",
    "TraineeLog", "LogEntry", "LogProblem", "TraineeLogError", "LOG_COLUMNS", "ENTRY_KINDS", "PHASES",
    "REQUIREMENT_KINDS", "Status", "RequirementResult", "Progress", "assess", "progress_figure", "progress_text",
]

# ============================================================================================================
# Requirement data (data/training/*.toml)
# ============================================================================================================

PHASES = ("initial", "middle", "ending")
_PHASE_ALIASES = {
    "initial": "initial", "early": "initial", "beginning": "initial", "assessment": "initial",
    "middle": "middle", "mid": "middle",
    "ending": "ending", "end": "ending", "late": "ending", "final": "ending", "termination": "ending",
    "concluding": "ending", "conclusion": "ending",
}

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


class PathwayDataError(StudentFacingError):
    """A training-body file does not follow the schema; the message names the file and the field."""

    title = "Training data file problem"

    def __init__(self, path: Path | str, field_name: str, problem: str):
        self.path, self.field, self.problem = Path(path), field_name, problem
        super().__init__(f"{self.path.name}: field '{field_name}': {problem}")


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
    repo = Path(__file__).resolve().parent.parent / "data" / "training"
    return repo if repo.is_dir() else Path(__file__).resolve().parent / "_data" / "training"


def load_bodies(folder: Path | str | None = None) -> list[Body]:
    """Every ``*.toml`` body in ``folder`` (default data/training), current bodies first, then by id."""
    folder = Path(folder) if folder is not None else default_folder()
    if not folder.is_dir():
        raise PathwayDataError(folder, "(folder)", "no such folder of training bodies")
    bodies = [load_body(p) for p in sorted(folder.glob("*.toml"))]
    if not bodies:
        raise PathwayDataError(folder, "(folder)", "has no *.toml training body files")
    seen: dict[str, str] = {}
    for b in bodies:
        if b.id in seen:
            raise PathwayDataError(b.path, "id", f"{b.id!r} is also used by {seen[b.id]}")
        seen[b.id] = Path(b.path).name
    return sorted(bodies, key=lambda b: (not b.current, b.id))


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
    import tomllib

    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PathwayDataError(path, "(file)", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise PathwayDataError(path, "(file)", "not UTF-8 text") from None
    return _Validator(path).body(raw)


class _Validator:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, problem: str):
        raise PathwayDataError(self.path, where, problem)

    def keys(self, raw: dict, allowed: Sequence[str], required: Sequence[str], where: str) -> None:
        prefix = f"{where}." if where else ""
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(prefix + key, f"unknown field{hint}; allowed here: {', '.join(allowed)}")
        for key in required:
            if key not in raw:
                self.fail(prefix + key, "missing")

    def text(self, raw: dict, key: str, where: str, *, required: bool = True) -> str:
        value = raw.get(key, "")
        if not isinstance(value, str):
            self.fail(f"{where}.{key}".lstrip("."), f"must be text, got {type(value).__name__}")
        value = " ".join(value.split())
        if required and not value:
            self.fail(f"{where}.{key}".lstrip("."), "is empty")
        return value

    def texts(self, raw: dict, key: str, where: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"{where}.{key}".lstrip("."), "must be a text or a list of non-empty texts")
        return tuple(" ".join(v.split()) for v in value)

    def sources(self, raw: dict, where: str, *, required: bool) -> tuple[str, ...]:
        name = f"{where}.sources".lstrip(".")
        values = self.texts(raw, "sources", where)
        if required and not values:
            self.fail(name, "missing: give the source ids of works in the course bibliography (the `ids` of "
                            "data/references.toml), e.g. [\"S42\"]")
        from .references import works_for_ids

        for s in values:
            if not _SOURCE.match(s):
                self.fail(name, f"{s!r} is not a source id like 'S42' (the `ids` of data/references.toml)")
            if not works_for_ids([s]):
                self.fail(name, f"{s!r} is the id of no work in the course bibliography: add the work to "
                                "data/references.toml (with this id in its `ids`) or cite one that is there")
        return values

    def flag(self, raw: dict, key: str, where: str, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}".lstrip("."), "must be true or false")
        return value

    def number(self, raw: dict, key: str, where: str) -> float | None:
        if key not in raw:
            return None
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            self.fail(f"{where}.{key}", f"must be a number above 0, got {value!r}")
        return float(value)

    def slug(self, raw: dict, where: str) -> str:
        value = self.text(raw, "id", where)
        if not _SLUG.match(value):
            self.fail(f"{where}.id".lstrip("."), f"{value!r} must be lower case letters, digits and hyphens")
        return value

    # --- the three levels of the file --------------------------------------------------------------------
    def body(self, raw: dict) -> Body:
        allowed = ("id", "name", "country", "section", "sources", "urls", "retrieved", "notes", "current", "levels")
        self.keys(raw, allowed, ("id", "name", "section", "sources", "urls", "retrieved", "levels"), "")
        body_id = self.slug(raw, "")
        if body_id != self.path.stem:
            self.fail("id", f"{body_id!r} does not match the file name (expected {self.path.stem!r}, "
                            "or rename the file)")
        section = self.text(raw, "section", "")
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
        return Body(id=body_id, name=self.text(raw, "name", ""), section=section,
                    sources=self.sources(raw, "", required=True), urls=self.texts(raw, "urls", ""),
                    retrieved=self.text(raw, "retrieved", ""), levels=tuple(levels),
                    country=self.text(raw, "country", "", required=False),
                    notes=self.text(raw, "notes", "", required=False),
                    current=self.flag(raw, "current", "", True), path=str(self.path))

    def level(self, raw: dict, index: int, section: str) -> Level:
        where = f"levels[{raw.get('id') if isinstance(raw.get('id'), str) else index}]"
        allowed = ("id", "name", "summary", "route", "prerequisites", "sources", "notes", "current", "requirements")
        self.keys(raw, allowed, ("id", "name", "requirements"), where)
        level_id = self.slug(raw, where)
        reqs_raw = raw["requirements"]
        if not isinstance(reqs_raw, list) or not reqs_raw:
            self.fail(f"{where}.requirements", "must be a non-empty list of [[levels.requirements]] tables")
        reqs, ids = [], set()
        for j, rq in enumerate(reqs_raw, 1):
            if not isinstance(rq, dict):
                self.fail(f"{where}.requirements[{j}]", "must be a [[levels.requirements]] table")
            req = self.requirement(rq, f"{where}.requirements", j, section)
            if req.id in ids:
                self.fail(f"{where}.requirements[{req.id}].id", "is used by two requirements of this level")
            ids.add(req.id)
            reqs.append(req)
        return Level(id=level_id, name=self.text(raw, "name", where), requirements=tuple(reqs),
                     summary=self.text(raw, "summary", where, required=False),
                     route=self.text(raw, "route", where, required=False),
                     prerequisites=self.texts(raw, "prerequisites", where),
                     sources=self.sources(raw, where, required=False),
                     notes=self.text(raw, "notes", where, required=False),
                     current=self.flag(raw, "current", where, True))

    def requirement(self, raw: dict, parent: str, index: int, section: str) -> Requirement:
        where = f"{parent}[{raw.get('id') if isinstance(raw.get('id'), str) else index}]"
        kind = raw.get("kind")
        if kind not in REQUIREMENT_KINDS:
            close = difflib.get_close_matches(str(kind), REQUIREMENT_KINDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.fail(f"{where}.kind", f"{kind!r} is not a requirement kind{hint}; use one of: "
                                       f"{', '.join(REQUIREMENT_KINDS)}")
        spec = REQUIREMENT_KINDS[kind]
        self.keys(raw, _COMMON + spec.extra, ("id", "kind", "description"), where)
        unknown = self.flag(raw, "unknown", where, False)
        note = self.text(raw, "note", where, required=False)
        values: dict = dict(id=self.slug(raw, where), kind=kind, description=self.text(raw, "description", where),
                            unknown=unknown, note=note, quote=self.texts(raw, "quote", where),
                            section=self.text(raw, "section", where, required=False) or section)
        for key in ("minimum", "maximum", "min_case_supervision_hours", "min_case_recordings", "pass_score",
                    "every_sessions"):
            if key in raw:
                values[key] = self.number(raw, key, where)
        if "phases" in raw:
            phases = self.texts(raw, "phases", where)
            bad = [p for p in phases if p not in PHASES]
            if bad or not phases:
                self.fail(f"{where}.phases", f"{bad[0] if bad else '[]'!r} is not a phase; use: {', '.join(PHASES)}")
            values["phases"] = phases
        if "all_sessions_recorded" in raw:
            values["all_sessions_recorded"] = self.flag(raw, "all_sessions_recorded", where, False)
        if "supervision_ratio" in raw:
            ratio = raw["supervision_ratio"]
            if (not isinstance(ratio, list) or len(ratio) != 2
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and x > 0 for x in ratio)):
                self.fail(f"{where}.supervision_ratio", "must be [hours of supervision, per hours of therapy], "
                                                        "e.g. [1, 2]")
            values["supervision_ratio"] = (float(ratio[0]), float(ratio[1]))
        if "instruments" in raw:
            values["instruments"] = self.texts(raw, "instruments", where)
        if "milestone" in raw:
            milestone = _milestone_name(self.text(raw, "milestone", where))
            values["milestone"] = milestone

        req_sources = self.sources(raw, where, required=False)
        values["sources"] = req_sources
        numbers = [k for k in ("minimum", "maximum", "min_case_supervision_hours", "min_case_recordings",
                               "pass_score", "every_sessions", "supervision_ratio") if k in raw]
        if unknown:
            if numbers:
                self.fail(f"{where}.{numbers[0]}", "an unknown requirement carries no number: remove it, or remove "
                                                   "`unknown = true` if the reference confirms the number")
            if not note:
                self.fail(f"{where}.note", "an unknown requirement needs a note saying what the reference lacks")
        else:
            if kind == "unspecified":
                self.fail(f"{where}.kind", "'unspecified' is only for requirements with `unknown = true`")
            if spec.numeric and kind != "years_since" and "minimum" not in raw:
                self.fail(f"{where}.minimum", f"missing: a {kind} requirement needs its number from the "
                                              "reference, or `unknown = true` with a note")
            if not spec.numeric and numbers:
                self.fail(f"{where}.{numbers[0]}", f"a {kind} requirement carries no number")
            if kind == "years_since":
                if not values.get("milestone"):
                    self.fail(f"{where}.milestone", "missing: name the milestone the years are counted from")
                if ("minimum" in raw) == ("maximum" in raw):
                    self.fail(f"{where}.minimum", "give either minimum (at least so many years since) or maximum "
                                                  "(within so many years), not both or neither")
            if kind == "measures_given" and (not values.get("instruments") or "every_sessions" not in raw):
                self.fail(f"{where}.instruments", "a measures_given requirement needs instruments and every_sessions")
            if numbers or values["quote"]:
                if not req_sources:
                    self.fail(f"{where}.sources", "missing: a requirement with a number needs its source ids")
            if numbers and not values["quote"]:
                self.fail(f"{where}.quote", "missing: quote the reference's words that give the number")
        return Requirement(**values)


def _milestone_name(text: str) -> str:
    return re.sub(r"[\s_]+", "-", str(text).strip().casefold())


# ============================================================================================================
# The trainee log (a CSV the trainee owns)
# ============================================================================================================

LOG_COLUMNS = ("date", "kind", "amount", "case_id", "phase", "detail", "note")
_REQUIRED_COLUMNS = LOG_COLUMNS[:6]
MAX_SESSION_HOURS = 4  # a longer single session is almost always minutes typed as hours


@dataclass(frozen=True)
class _EntryKind:
    amount: str     # "hours", "count" (blank = 1), "score" (1-5 or blank), "none" (must be blank)
    case: str       # "required", "optional", "no"
    phase: str      # "required", "optional", "no"
    detail: str     # "" (optional free text) or what it must name (then required)
    meaning: str


ENTRY_KINDS: dict[str, _EntryKind] = {
    "training": _EntryKind("hours", "no", "no", "", "hours of introductory / foundational IPT training attended"),
    "advanced_training": _EntryKind("hours", "no", "no", "", "hours of booster, advanced or CPD IPT training"),
    "clinical_training": _EntryKind("hours", "no", "no", "", "hours of supervised training in delivering therapy "
                                                             "(any model)"),
    "supervision": _EntryKind("hours", "optional", "optional", "", "hours of IPT supervision or consultation "
                                                                    "received (give case_id when it was on a case)"),
    "session": _EntryKind("hours", "required", "required", "", "one IPT session you gave: its length in hours"),
    "recording": _EntryKind("count", "required", "optional", "", "recordings of sessions (blank amount = 1)"),
    "measure": _EntryKind("count", "required", "optional", "the instrument, e.g. PHQ-9",
                          "an outcome measure given (blank amount = 1)"),
    "portfolio": _EntryKind("score", "required", "no", "", "a portfolio on a case; amount = its average score on "
                                                           "the 1-5 IPT Quality and Adherence Scale, if known"),
    "supervision_given": _EntryKind("hours", "no", "no", "the supervisee's alias",
                                    "hours of IPT supervision you gave to a clinician"),
    "teaching": _EntryKind("hours", "no", "no", "", "hours of IPT teaching you gave"),
    "milestone": _EntryKind("none", "no", "no", "the milestone, e.g. isipt-therapist",
                            "a dated milestone such as a course completed or a certification"),
    "attestation": _EntryKind("none", "no", "no", "the requirement id, e.g. letter",
                              "your own note that a self-report requirement is done"),
}
_COUNT_WORDS = {"recording": "recordings", "measure": "measures given"}


@dataclass(frozen=True)
class LogEntry:
    """One row of the trainee log, cleaned: ``amount`` is a float (or None), ``phase`` one of :data:`PHASES`."""

    date: dt.date
    kind: str
    amount: float | None = None
    case_id: str = ""
    phase: str = ""
    detail: str = ""
    note: str = ""

    def row(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "kind": self.kind, "amount": _fmt(self.amount),
                "case_id": self.case_id, "phase": self.phase, "detail": self.detail, "note": self.note}


@dataclass(frozen=True)
class LogProblem:
    """A bad cell or row: ``row`` is the spreadsheet row (header = 1; 0 = the whole file; None = a new entry)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [] if self.row is None else ["the file" if self.row == 0 else f"row {self.row}"]
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class TraineeLogError(StudentFacingError):
    """The log has bad rows. ``problems`` lists every one (row and column), not just the first."""

    title = "Check the trainee log"

    def __init__(self, problems: Sequence[LogProblem], source: str = "the trainee log", footer: str | None = None):
        self.problems = list(problems)
        self.source = source
        n = len(self.problems)
        lines = [f"{source} has {n} problem{'s' if n != 1 else ''}:"]
        lines += [f"- {p}" for p in self.problems[:30]]
        if n > 30:
            lines.append(f"- ... and {n - 30} more")
        lines.append(footer or "Nothing was changed. Fix these rows (the header is row 1, as in a spreadsheet); "
                               "TraineeLog.load(path, strict=False) gives the good rows and this list.")
        super().__init__("\n".join(lines))


class _Cell(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message


class _Cells(Exception):
    """Every bad cell of one row."""

    def __init__(self, cells: list[_Cell]):
        self.cells = cells


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _hint_kind(text: str) -> str:
    close = difflib.get_close_matches(text, ENTRY_KINDS, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _clean_entry(fields: dict) -> LogEntry:
    """Validate one entry's raw values (text from a CSV, or Python values from ``add``).

    Raises :class:`_Cells` listing every bad cell of the row (columns that depend on an unreadable kind are
    not checked).
    """
    def text(name: str) -> str:
        value = fields.get(name, "")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return " ".join(str(value).split())

    bad: list[_Cell] = []
    values: dict = {}

    def check(name: str, clean) -> None:
        try:
            values[name] = clean()
        except _Cell as cell:
            bad.append(cell)

    def kind_of():
        kind_text = text("kind")
        kind = re.sub(r"[\s-]+", "_", kind_text.casefold())
        if not kind:
            raise _Cell("kind", f"the kind is empty; use one of: {', '.join(ENTRY_KINDS)}")
        if kind not in ENTRY_KINDS:
            raise _Cell("kind", f"{kind_text!r} is not a kind of entry{_hint_kind(kind)}. "
                                f"Use one of: {', '.join(ENTRY_KINDS)}.")
        return kind

    def date_of():
        raw_date = fields.get("date", "")
        if isinstance(raw_date, dt.datetime):
            return raw_date.date()
        if isinstance(raw_date, dt.date):
            return raw_date
        date_text = text("date")
        if not date_text:
            raise _Cell("date", "the date is empty; write it as YYYY-MM-DD, for example 2025-03-14")
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date_text):
                raise ValueError
            return dt.date.fromisoformat(date_text)
        except ValueError:
            raise _Cell("date", f"{date_text!r} is not a date in the form YYYY-MM-DD "
                                "(for example 2025-03-14)") from None

    check("kind", kind_of)
    check("date", date_of)
    kind = values.get("kind")
    if kind is None:
        raise _Cells(bad)
    spec = ENTRY_KINDS[kind]

    def case_of():
        case_id = text("case_id")
        if spec.case == "required" and not case_id:
            raise _Cell("case_id", f"a {kind} row needs the case it belongs to: a code such as C1 (never a "
                                   "client's name)")
        if spec.case == "no" and case_id:
            raise _Cell("case_id", f"leave case_id empty for a {kind} row (only sessions, recordings, measures, "
                                   "portfolios and supervision belong to a case)")
        if len(case_id) > 40:
            raise _Cell("case_id", "keep the case code short (40 characters at most), for example C1")
        return case_id

    def phase_of():
        phase_text = text("phase")
        phase = _PHASE_ALIASES.get(phase_text.casefold(), "") if phase_text else ""
        if phase_text and not phase:
            raise _Cell("phase", f"{phase_text!r} is not a phase; use initial, middle or ending")
        if spec.phase == "required" and not phase:
            raise _Cell("phase", f"a {kind} row needs its phase: initial, middle or ending")
        if spec.phase == "no" and phase:
            raise _Cell("phase", f"leave phase empty for a {kind} row (only sessions, recordings, measures and "
                                 "supervision have a phase)")
        return phase

    def detail_of():
        detail = text("detail")
        if spec.detail and not detail:
            raise _Cell("detail", f"a {kind} row needs {spec.detail} in detail")
        if len(detail) > 500:
            raise _Cell("detail", "is too long (500 characters at most)")
        return _milestone_name(detail) if kind == "milestone" else detail

    def note_of():
        note = text("note")
        if len(note) > 500:
            raise _Cell("note", "is too long (500 characters at most)")
        return note

    check("amount", lambda: _clean_amount(kind, spec, fields.get("amount", ""), text("amount")))
    check("case_id", case_of)
    check("phase", phase_of)
    check("detail", detail_of)
    check("note", note_of)
    if bad:
        raise _Cells(bad)
    return LogEntry(values["date"], kind, values["amount"], values["case_id"], values["phase"], values["detail"],
                    values["note"])


def _clean_amount(kind: str, spec: _EntryKind, raw, shown: str) -> float | None:
    if spec.amount == "none":
        if shown:
            raise _Cell("amount", f"leave amount empty for a {kind} row (it is a dated event, not a quantity)")
        return None
    if not shown:
        if spec.amount == "count":
            return 1.0
        if spec.amount == "score":
            return None
        raise _Cell("amount", f"the number of hours is empty; write the hours of this {kind.replace('_', ' ')}, "
                              "for example 1.5")
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, (int, float)):
        value = float(raw)
    else:
        try:
            value = float(shown)
        except ValueError:
            value = None
    if value is None or not math.isfinite(value):
        if re.fullmatch(r"\d+,\d+", shown):
            fix = f" Use a point for decimals: {shown.replace(',', '.')}."
        else:
            fix = " Write a number such as 1.5." if spec.amount == "hours" else ""
        what = {"hours": "a number of hours", "count": f"a number of {_COUNT_WORDS.get(kind, 'items')}",
                "score": "a score from 1 to 5 (the average on the IPT Quality and Adherence Scale)"}[spec.amount]
        raise _Cell("amount", f"{shown!r} is not {what}.{fix}")
    if spec.amount == "hours":
        if value <= 0:
            raise _Cell("amount", f"{shown} hours: the hours must be more than 0")
        if kind == "session" and value > MAX_SESSION_HOURS:
            raise _Cell("amount", f"{shown} hours for one session: amount is in hours, not minutes "
                                  f"(50 minutes is 0.83)")
    elif spec.amount == "count":
        if value <= 0 or not value.is_integer():
            raise _Cell("amount", f"{shown!r} is not a whole number of {_COUNT_WORDS.get(kind, 'items')} "
                                  "(1, 2, 3 ...; empty means 1)")
    elif not 1 <= value <= 5:
        raise _Cell("amount", f"{shown} is outside the 1-5 scale of the IPT Quality and Adherence Scale")
    return value


def _normalise_header(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().casefold())


@dataclass
class TraineeLog:
    """What a trainee has done, one :class:`LogEntry` per row, in the order written."""

    entries: list[LogEntry] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def add(self, date: str | dt.date, kind: str, amount: float | str | None = None, case_id: str = "",
            phase: str = "", detail: str = "", note: str = "") -> LogEntry:
        """Add one entry after checking it (a :class:`TraineeLogError` names the column otherwise)."""
        try:
            entry = _clean_entry(dict(date=date, kind=kind, amount="" if amount is None else amount,
                                      case_id=case_id, phase=phase, detail=detail, note=note))
        except _Cells as row:
            raise TraineeLogError([LogProblem(None, c.column, c.message) for c in row.cells],
                                  source="This entry", footer="It was not added to the log.") from None
        self.entries.append(entry)
        return entry

    # --- reading --------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, *, strict: bool = True):
        """Read a log CSV. With ``strict`` (the default), any bad row raises :class:`TraineeLogError` listing
        every problem; with ``strict=False`` it returns ``(log, problems)``: the good rows and the list."""
        path = Path(path)
        if not path.exists():
            problems = [LogProblem(0, None, f"there is no file {path.name} here; TraineeLog().save({str(path)!r}) "
                                            "starts an empty one")]
            if strict:
                raise TraineeLogError(problems, source=path.name)
            return cls(), problems
        return cls.from_csv_bytes(path.read_bytes(), strict=strict, source=path.name)

    @classmethod
    def from_csv_text(cls, text: str, *, strict: bool = True, source: str = "the trainee log"):
        """Parse CSV text; see :meth:`load` for ``strict``."""
        return cls.from_csv_bytes(text.encode("utf-8"), strict=strict, source=source)

    @classmethod
    def from_csv_bytes(cls, data: bytes, *, strict: bool = True, source: str = "the trainee log"):
        log, problems = cls._parse(data)
        if strict:
            if problems:
                raise TraineeLogError(problems, source=source)
            return log
        return log, problems

    @classmethod
    def _parse(cls, data: bytes) -> tuple["TraineeLog", list[LogProblem]]:
        try:
            text = data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is not part of the first column name
        except UnicodeDecodeError:
            return cls(), [LogProblem(0, None, "is not UTF-8 text. In Excel use 'Save as: CSV UTF-8'; in LibreOffice "
                                               "choose the UTF-8 character set. No rows were read.")]
        if not text.strip():
            return cls(), [LogProblem(1, None, "the file is empty. Its first row must name the columns: "
                                               f"{','.join(LOG_COLUMNS)}")]
        reader = csv.reader(io.StringIO(text, newline=""))
        problems: list[LogProblem] = []
        header: list[str] | None = None
        header_row = 0
        entries: list[LogEntry] = []
        row_start = 1
        try:
            for cells in reader:
                row, row_start = row_start, reader.line_num + 1
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header, header_row = [_normalise_header(c) for c in cells], row
                    problems += _header_problems(header, row)
                    if any(col not in header for col in _REQUIRED_COLUMNS):
                        problems.append(LogProblem(row, None, "no rows were read: the first row must name the "
                                                              f"columns {','.join(LOG_COLUMNS)} (note is optional)"))
                        return cls(), problems
                    continue
                values = {}
                for i, cell in enumerate(cells):
                    if i < len(header):
                        values.setdefault(header[i], cell)
                    elif cell.strip():
                        problems.append(LogProblem(row, None, f"this row has {len(cells)} values but the first row "
                                                              f"names {len(header)} columns: is there a comma inside a "
                                                              "text? Put that text in double quotes."))
                        values = None
                        break
                if values is None:
                    continue
                try:
                    entries.append(_clean_entry(values))
                except _Cells as bad:
                    problems += [LogProblem(row, c.column, c.message) for c in bad.cells]
        except csv.Error as exc:
            problems.append(LogProblem(row_start, None, f"the CSV cannot be read from here on ({exc}); "
                                                        "check the quotes in this row"))
        if header is None:
            problems.append(LogProblem(1, None, "the file is empty. Its first row must name the columns: "
                                                f"{','.join(LOG_COLUMNS)}"))
        return cls(entries), problems

    # --- writing --------------------------------------------------------------------------------------
    def to_csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=LOG_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for entry in self.entries:
            writer.writerow(entry.row())
        return buffer.getvalue()

    def save(self, path: str | Path) -> Path:
        """Write the log atomically (a crash leaves the old file whole), as UTF-8 CSV with the header."""
        from .storage import atomic_write_text

        return atomic_write_text(path, self.to_csv_text())

    def to_frame(self):
        """The log as a pandas DataFrame, one row per entry (``date`` as datetime64)."""
        import pandas as pd

        frame = pd.DataFrame([e.row() for e in self.entries], columns=list(LOG_COLUMNS))
        frame["date"] = pd.to_datetime(frame["date"])
        frame["amount"] = pd.to_numeric(frame["amount"].replace("", None), errors="coerce").astype(float)
        return frame

    # --- quantities ------------------------------------------------------------------------------------
    def total(self, kind: str) -> float:
        """The summed amount of one kind of entry (hours, or counts)."""
        return round(math.fsum(e.amount or 0.0 for e in self.entries if e.kind == kind), 6)

    def cases(self) -> dict[str, "_Case"]:
        cases: dict[str, _Case] = {}
        for e in self.entries:
            if not e.case_id:
                continue
            case = cases.setdefault(e.case_id.casefold(), _Case(e.case_id))
            case.take(e)
        return cases


def _header_problems(header: list[str], row: int) -> list[LogProblem]:
    problems = []
    seen = set()
    for name in header:
        if not name:
            continue
        if name in seen:
            problems.append(LogProblem(row, name, "this column appears twice; keep one"))
        seen.add(name)
        if name not in LOG_COLUMNS:
            close = difflib.get_close_matches(name, LOG_COLUMNS, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(LogProblem(row, name, f"is not a column of the trainee log; {hint}put remarks in the "
                                                  f"'note' column, or remove this column. The columns are: "
                                                  f"{', '.join(LOG_COLUMNS)}."))
    if "" in header:
        problems.append(LogProblem(row, f"(column {header.index('') + 1})", "a column has no name; name it or "
                                                                             "delete it"))
    for name in _REQUIRED_COLUMNS:
        if name not in header:
            problems.append(LogProblem(row, name, "the column is missing"))
    return problems


def _instrument_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


@dataclass
class _Case:
    """What the log says about one case."""

    case_id: str
    sessions: int = 0
    session_hours: float = 0.0
    phases: set = field(default_factory=set)
    supervision_hours: float = 0.0
    recordings: float = 0.0
    measures: dict = field(default_factory=dict)
    portfolio_scores: list = field(default_factory=list)
    has_portfolio: bool = False

    def take(self, e: LogEntry) -> None:
        if e.kind == "session":
            self.sessions += 1
            self.session_hours = round(self.session_hours + (e.amount or 0.0), 6)
            self.phases.add(e.phase)
        elif e.kind == "supervision":
            self.supervision_hours = round(self.supervision_hours + (e.amount or 0.0), 6)
        elif e.kind == "recording":
            self.recordings += e.amount or 0.0
        elif e.kind == "measure":
            key = _instrument_key(e.detail)
            self.measures[key] = self.measures.get(key, 0.0) + (e.amount or 0.0)
        elif e.kind == "portfolio":
            self.has_portfolio = True
            if e.amount is not None:
                self.portfolio_scores.append(e.amount)

    @property
    def supervised(self) -> bool:
        return self.sessions > 0 and self.supervision_hours > 0


# ============================================================================================================
# Progress
# ============================================================================================================

class Status(str, enum.Enum):
    MET = "met"
    MISSING = "missing"
    UNKNOWN = "unknown"
    SELF_REPORT = "self-report"

    @property
    def mark(self) -> str:
        return {"met": "✔ met", "missing": "✘ missing", "unknown": "? unknown",
                "self-report": "✎ self-report"}[self.value]


@dataclass(frozen=True)
class RequirementResult:
    """How one requirement stands: ``have`` and ``need`` in ``unit``; ``still_needed`` when missing."""

    requirement: Requirement
    status: Status
    have: float | None = None
    need: float | None = None
    still_needed: float | None = None
    detail: str = ""

    @property
    def unit(self) -> str:
        return self.requirement.unit

    @property
    def fraction(self) -> float | None:
        """Share done, 0 to 1 (None when there is nothing to measure)."""
        if self.status is Status.MET:
            return 1.0
        if self.have is None or not self.need or self.requirement.maximum is not None:
            return 0.0 if self.status is Status.MISSING else None
        return max(0.0, min(1.0, self.have / self.need))


def _num(x: float | None) -> str:
    if x is None:
        return ""
    x = round(float(x), 2)
    return str(int(x)) if x.is_integer() else f"{x:g}"


def _qty(x: float | None, unit: str) -> str:
    if x is None:
        return ""
    if unit == "years":
        return f"{_num(x)} year{'s' if x != 1 else ''}"
    word = unit
    if x == 1 and unit.endswith("s") and unit != "hours":
        word = unit[:-1]
    elif x == 1 and unit == "hours":
        word = "hour"
    return f"{_num(x)} {word}".strip()


@dataclass(frozen=True)
class Progress:
    """A log measured against one level: one :class:`RequirementResult` per requirement, in the level's order."""

    body: Body
    level: Level
    results: tuple[RequirementResult, ...]
    as_of: dt.date
    entries: int = 0
    future_entries: int = 0

    def __iter__(self):
        return iter(self.results)

    def by_status(self, status: Status | str) -> list[RequirementResult]:
        status = Status(status)
        return [r for r in self.results if r.status is status]

    def __getitem__(self, requirement_id: str) -> RequirementResult:
        for r in self.results:
            if r.requirement.id == requirement_id:
                return r
        raise KeyError(requirement_id)

    def summary(self) -> str:
        n = {s: len(self.by_status(s)) for s in Status}
        text = (f"{self.body.name}, {self.level.name}: {n[Status.MET]} met, {n[Status.MISSING]} missing, "
                f"{n[Status.UNKNOWN]} unknown, {n[Status.SELF_REPORT]} to confirm yourself.")
        if self.future_entries:
            text += f" {self.future_entries} log entries are dated after {self.as_of.isoformat()}; check their dates."
        return text

    def frame(self):
        """One row per requirement: id, description, status, have, need, still_needed, unit, detail, sources."""
        import pandas as pd

        rows = [{"requirement": r.requirement.id, "description": r.requirement.description, "status": r.status.value,
                 "have": r.have, "need": r.need, "still_needed": r.still_needed, "unit": r.unit, "detail": r.detail,
                 "sources": cite_ids(r.requirement.sources), "kind": r.requirement.kind} for r in self.results]
        return pd.DataFrame(rows, columns=["requirement", "description", "status", "have", "need", "still_needed",
                                           "unit", "detail", "sources", "kind"]).set_index("requirement")

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for r in self.results:
            req = r.requirement
            need = ""
            if req.maximum is not None:
                need = f"within {_qty(req.maximum, 'years')}"
            elif r.need is not None:
                need = _qty(r.need, r.unit)
            have = _qty(r.have, r.unit) if r.status in (Status.MET, Status.MISSING) else ""
            still = _qty(r.still_needed, r.unit) if r.status is Status.MISSING else ""
            notes = r.detail or (req.note if req.unknown else "")
            rows.append(
                f"<tr class='ipt-path-{r.status.value}'><td>{e(req.description)}</td>"
                f"<td class='ipt-path-status'><b>{e(r.status.mark)}</b></td><td>{e(have)}</td><td>{e(need)}</td>"
                f"<td>{e(still)}</td><td>{e(notes)}</td><td>{e(cite_ids(req.sources))}</td></tr>")
        historical = "" if self.body.current and self.level.current else \
            "<p><b>Historical standard, shown for comparison only.</b></p>"
        return (f"<div class='ipt-pathway-progress'><h4>{e(self.body.name)}: {e(self.level.name)}</h4>{historical}"
                f"<p>{e(self.summary())}</p>"
                "<table class='ipt-path-table'><thead><tr><th>Requirement</th><th>Status</th><th>In your log</th>"
                "<th>Needed</th><th>Still needed</th><th>Notes</th><th>Sources</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
                f"<p><small>Numbers from {e(cite_ids(self.body.sources))} (see the course bibliography, "
                f"references.md), {e(self.body.retrieved)}; as of {self.as_of.isoformat()}. "
                "<i>unknown</i>: the reference has no confirmed number, so none is invented; "
                "<i>self-report</i>: a log cannot check it, so confirm it with the body itself. "
                "Check the body's current rules before you apply.</small></p></div>")


def assess(log: TraineeLog, body: Body | str, level: Level | str, *, today: dt.date | None = None,
           bodies: Iterable[Body] | None = None) -> Progress:
    """Compare ``log`` with every requirement of ``level`` of ``body`` (objects, or ids such as "isipt")."""
    body = find_body(body, bodies)
    level = body.level(level)
    as_of = today or dt.date.today()
    cases = log.cases()
    results = tuple(_assess_one(req, log, cases, as_of) for req in level.requirements)
    return Progress(body, level, results, as_of, entries=len(log),
                    future_entries=sum(e.date > as_of for e in log.entries))


_SUM_KINDS = {"training_hours": "training", "advanced_training_hours": "advanced_training",
              "clinical_training_hours": "clinical_training", "supervision_hours": "supervision",
              "supervision_given_hours": "supervision_given", "teaching_hours": "teaching", "recordings": "recording"}


def _counted(req: Requirement, have: float, detail: str = "") -> RequirementResult:
    need = req.minimum
    if have + 1e-9 >= need:
        return RequirementResult(req, Status.MET, have, need, None, detail)
    return RequirementResult(req, Status.MISSING, have, need, round(need - have, 6), detail)


def _assess_one(req: Requirement, log: TraineeLog, cases: dict[str, _Case], as_of: dt.date) -> RequirementResult:
    if req.unknown:
        return RequirementResult(req, Status.UNKNOWN, detail=req.note)
    if req.kind == "attestation":
        noted = [e for e in log.entries if e.kind == "attestation" and e.detail.casefold() == req.id.casefold()]
        detail = (f"You noted it on {max(e.date for e in noted).isoformat()}; the body will ask for evidence."
                  if noted else "A log cannot check this: confirm it yourself.")
        return RequirementResult(req, Status.SELF_REPORT, detail=detail)
    if req.kind in _SUM_KINDS:
        return _counted(req, log.total(_SUM_KINDS[req.kind]))
    if req.kind == "clinicians_supervised":
        names = {e.detail.casefold() for e in log.entries if e.kind == "supervision_given"}
        return _counted(req, float(len(names)))
    if req.kind == "years_since":
        return _years_since(req, log, as_of)
    return _case_requirement(req, cases)


def _add_years(date: dt.date, years: float) -> dt.date:
    whole = int(years)
    try:
        moved = date.replace(year=date.year + whole)
    except ValueError:  # 29 February
        moved = date.replace(year=date.year + whole, day=28)
    return moved + dt.timedelta(days=round((years - whole) * 365.25))


def _years_since(req: Requirement, log: TraineeLog, as_of: dt.date) -> RequirementResult:
    dates = [e.date for e in log.entries if e.kind == "milestone" and e.detail == req.milestone]
    if not dates:
        logged = sorted({e.detail for e in log.entries if e.kind == "milestone"})
        also = f" (your milestones: {', '.join(logged)})" if logged else ""
        return RequirementResult(req, Status.MISSING, None, req.minimum, req.minimum,
                                 f"No milestone '{req.milestone}' in the log{also}.")
    if req.maximum is not None:
        last = max(dates)
        years = round((as_of - last).days / 365.25, 2)
        if as_of <= _add_years(last, req.maximum) and last <= as_of:
            return RequirementResult(req, Status.MET, years, None, None, f"{req.milestone} on {last.isoformat()}.")
        why = "is dated after today" if last > as_of else f"was more than {_qty(req.maximum, 'years')} ago"
        return RequirementResult(req, Status.MISSING, years, None, None,
                                 f"{req.milestone} on {last.isoformat()} {why}.")
    first = min(dates)
    reached = _add_years(first, req.minimum)
    if as_of >= reached:
        years = round((as_of - first).days / 365.25, 2)
        return RequirementResult(req, Status.MET, years, req.minimum, None, f"{req.milestone} on {first.isoformat()}.")
    # not yet: round what is done down and what is left up, so one day short never shows as "0 years still needed"
    years = math.floor((as_of - first).days / 365.25 * 100) / 100
    still = math.ceil((reached - as_of).days / 365.25 * 100) / 100
    return RequirementResult(req, Status.MISSING, max(years, 0.0), req.minimum, still,
                             f"{req.milestone} on {first.isoformat()}; reached on {reached.isoformat()}.")


def _case_failures(req: Requirement, case: _Case) -> list[str]:
    why = []
    for phase in req.phases:
        if phase not in case.phases:
            why.append(f"no session in the {phase} phase")
    if req.all_sessions_recorded and case.recordings < case.sessions:
        why.append(f"{_num(case.recordings)} of {case.sessions} sessions recorded")
    if req.supervision_ratio:
        sup, per = req.supervision_ratio
        needed = round(case.session_hours * sup / per, 6)
        if case.supervision_hours + 1e-9 < needed:
            why.append(f"{_num(case.supervision_hours)} h supervision for {_num(case.session_hours)} h of therapy "
                       f"(needs {_num(needed)} h)")
    if req.min_case_supervision_hours is not None and case.supervision_hours + 1e-9 < req.min_case_supervision_hours:
        why.append(f"{_num(case.supervision_hours)} of {_num(req.min_case_supervision_hours)} h supervision")
    if req.min_case_recordings is not None and case.recordings < req.min_case_recordings:
        why.append(f"{_num(case.recordings)} of {_num(req.min_case_recordings)} recordings")
    if req.pass_score is not None:
        best = max(case.portfolio_scores, default=None)
        if best is None:
            why.append("the portfolio has no score yet")
        elif best + 1e-9 < req.pass_score:
            why.append(f"portfolio scored {best:.1f} (pass mark {req.pass_score:.1f})")
    if req.instruments:
        due = max(1, math.ceil(case.sessions / req.every_sessions))
        for name in req.instruments:
            given = case.measures.get(_instrument_key(name), 0.0)
            if given < due:
                why.append(f"{name} given {_num(given)} of {due} times for {case.sessions} sessions")
    return why


def _case_requirement(req: Requirement, cases: dict[str, _Case]) -> RequirementResult:
    if req.kind == "supervised_cases":
        pool = [c for c in cases.values() if c.supervised]
        unsupervised = [c.case_id for c in cases.values() if c.sessions and not c.supervised]
        empty = "no case has both sessions and supervision logged on it yet"
    else:  # portfolios, measures_given: the cases with a portfolio row
        pool = [c for c in cases.values() if c.has_portfolio]
        unsupervised = []
        empty = "no portfolio case in the log yet: add a 'portfolio' row for each portfolio case"
    good, notes = [], []
    for case in pool:
        why = _case_failures(req, case)
        if why:
            notes.append(f"{case.case_id}: {'; '.join(why)}")
        else:
            good.append(case.case_id)
    if unsupervised:
        notes.append(f"{', '.join(unsupervised)}: sessions but no supervision logged on the case")
    if not pool:
        notes.insert(0, empty)
    detail = ". ".join(([f"Counted: {', '.join(good)}"] if good else []) + notes)
    return _counted(req, float(len(good)), detail + ("." if detail else ""))


# ============================================================================================================
# Figure
# ============================================================================================================

# Okabe-Ito colours; every status also has its own hatch and a word, so the figure reads in grey.
_STYLE = {
    Status.MET: dict(color="#0072B2", hatch="", edge="#0072B2"),
    Status.MISSING: dict(color="#E69F00", hatch="///", edge="#8a5a00"),
    Status.UNKNOWN: dict(color="#FFFFFF", hatch="..", edge="#7f7f7f"),
    Status.SELF_REPORT: dict(color="#FFFFFF", hatch="", edge="#000000"),
}


def progress_text(progress: Progress) -> str:
    """What the progress figure shows, in words: each requirement and its status."""
    parts = [f"{r.requirement.description}: {r.status.value.replace('_', ' ')}" for r in progress]
    return f"Progress figure. {progress.summary()} " + "; ".join(parts) + "."


def _status_label(r: RequirementResult) -> str:
    if r.status is Status.MET and r.requirement.kind == "years_since":
        return f"met ({_qty(r.have, r.unit)} ago)"
    if r.status is Status.MET:
        return f"met ({_qty(r.have, r.unit)})" if r.have is not None else "met"
    if r.status is Status.MISSING:
        return f"missing: {_qty(r.still_needed, r.unit)} still needed" if r.still_needed else "missing"
    if r.status is Status.UNKNOWN:
        return "unknown: no confirmed number"
    return "self-report: confirm yourself"


# Sizes in pixels at 100 dpi. The figure is shown at its own width (760 px) in the lesson and the widget, so 10.5 pt
# text is 14.6 px there: JupyterLab's body text size.
_DPI, _WIDTH, _TEXT_PT = 100, 760, 10.5
_LINE, _BAR, _GAP, _STATUS_W = 19, 22, 16, 280


def progress_figure(progress: Progress, ax=None):
    """Horizontal bars, one per requirement: the requirement written in full above its bar, the share done, and
    the status written beside the bar.

    met: solid blue; missing: orange with diagonal hatching, the empty part outlined; unknown: dotted grey
    outline; self-report: dashed black outline. Returns a matplotlib ``Figure`` (shown as a PNG in Jupyter).
    Every text lies inside the figure and is at least body-text size when the figure is shown at its width.
    """
    import textwrap

    from matplotlib.patches import Patch

    results = list(progress.results)
    own = ax is None
    left, right = 16, _STATUS_W
    bar_px = _WIDTH - left - right                      # the pixels of 0-100 %
    wrap = max(40, int((_WIDTH - 2 * left) / 7.9))      # characters of body text across the figure
    descriptions = [textwrap.wrap(r.requirement.description, wrap) or [""] for r in results]
    # a long status goes on two lines, and its bar moves down so the lines stay clear of the text above
    statuses = [textwrap.fill(_status_label(r), 24) if len(_status_label(r)) > 30 else _status_label(r)
                for r in results]
    lifts = [_LINE // 2 * s.count("\n") for s in statuses]
    rows = [len(d) * _LINE + 4 + lift + _BAR + _GAP for d, lift in zip(descriptions, lifts)]
    height = sum(rows) + 6
    title = f"{progress.body.name}: {progress.level.name}"
    if not (progress.body.current and progress.level.current):
        title += " (historical)"
    title_lines = textwrap.wrap(title, 78)
    top, bottom = 14 + 22 * len(title_lines), 100      # pixels: title; ticks, axis label and legend
    if own:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        total = top + height + bottom
        fig = Figure(figsize=(_WIDTH / _DPI, total / _DPI), dpi=_DPI)
        FigureCanvasAgg(fig)
        from .plots import with_text_alternative

        with_text_alternative(fig, lambda: progress_text(progress))
        ax = fig.add_axes((left / _WIDTH, bottom / total, (_WIDTH - 2 * left) / _WIDTH, height / total))
    fig = ax.figure
    # x: 1.0 is the whole requirement; the rest of the axes' width holds the status words
    ax.set_xlim(0, (_WIDTH - 2 * left) / bar_px)
    ax.set_ylim(height, 0)                              # y in pixels from the top of the axes
    y = 6.0
    for r, lines, status, lift, row in zip(results, descriptions, statuses, lifts, rows):
        style = _STYLE[r.status]
        ax.text(0, y, "\n".join(lines), va="top", ha="left", fontsize=_TEXT_PT, linespacing=1.25,
                gid="ipt-requirement")
        bar = y + len(lines) * _LINE + 4 + lift + _BAR / 2
        ls = "--" if r.status is Status.SELF_REPORT else "-"
        # the whole requirement as an outline, then the share done filled in
        ax.barh(bar, 1.0, height=_BAR, color="white", edgecolor=style["edge"], linestyle=ls, linewidth=1.2,
                hatch=style["hatch"] if r.status in (Status.UNKNOWN,) else "")
        share = r.fraction or 0.0
        if r.status is Status.MET:
            ax.barh(bar, 1.0, height=_BAR, color=style["color"], edgecolor=style["edge"])
        elif r.status is Status.MISSING and share > 0:
            ax.barh(bar, share, height=_BAR, color=style["color"], edgecolor=style["edge"], hatch=style["hatch"])
        ax.text(1.02, bar, status, va="center", ha="left", fontsize=_TEXT_PT, linespacing=1.2, gid="ipt-status")
        y += row
    ax.set_yticks([])
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xticklabels(["0%", "25%", "50%", "75%", "100%"], fontsize=_TEXT_PT)
    ax.set_xlabel("share of the requirement in your log", fontsize=_TEXT_PT)
    ax.xaxis.set_label_coords(0.5 * bar_px / (_WIDTH - 2 * left), -28 / height)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_bounds(0, 1)
    handles = [Patch(facecolor=_STYLE[Status.MET]["color"], edgecolor=_STYLE[Status.MET]["edge"], label="met"),
               Patch(facecolor=_STYLE[Status.MISSING]["color"], edgecolor=_STYLE[Status.MISSING]["edge"],
                     hatch="///", label="missing (part done)"),
               Patch(facecolor="white", edgecolor=_STYLE[Status.UNKNOWN]["edge"], hatch="..", label="unknown"),
               Patch(facecolor="white", edgecolor="black", linestyle="--", label="self-report")]
    ax.set_title("\n".join(title_lines), fontsize=12.5, loc="left")
    if own:
        fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, fontsize=_TEXT_PT,
                   bbox_to_anchor=(0.5, 4 / fig.get_figheight() / _DPI))
    else:
        ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=_TEXT_PT)
    return fig


def _png(fig, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
