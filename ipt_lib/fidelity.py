"""Rating an IPT session excerpt for fidelity: the course's form, the excerpts as a rater sees them, a rating.

The data lives in ``data/fidelity/`` (schema: its README). This module reads only what a rater may see: the form,
and each excerpt's context and turns. The ``[key]`` of a graded excerpt is never read here, so no function of this
module can return it; the keys are read on the instructor's side (``ipt_lib.course.fidelity_key``). The key and
worked rating of the calibration (``use = "practice"``) excerpt are shown to students, so they are read.

A student's rating is a dict literal, one entry per dimension, each a score and a list of turns::

    rating_f99 = {                 # an example only: these are no excerpt's key
        "adherence":    (3, [4, 8]),
        "proscribed":   (2, [10]),
        "facilitative": (5, [2, 6, 14]),
        "structure":    (1, [12, 18]),
        "competence":   (3, [16]),
    }

The score is a whole number from 1 to 5; the turns are one to four turn numbers of the excerpt. The value is a
plain literal on purpose: the grader reads it from the answer cell's text with ``ast.literal_eval`` and never runs
the student's code. ``check_rating_format`` (in ``fidelity_format``) is the visible check: it says what cannot be
read, never whether a rating is right. The HTML cards are in ``fidelity_cards``; both are found here too.

>>> bundle = load_public_folder()          # in a checkout: data/fidelity
>>> check_rating_format({"adherence": (3, [4, 8])}, bundle.excerpt("F02")).ok
False
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import StudentFacingError

__all__ = [
    "DIMENSIONS", "SCORES", "MAX_RATED_TURNS", "Dimension", "RatingForm", "Turn", "Client", "Excerpt", "ShownKey",
    "DimensionRating", "Rating", "FormatCheck", "FidelityDataError", "RatingFormatError", "FidelityBundle",
    "load_form", "load_excerpt", "load_excerpts", "load_public_folder", "write_public", "load_public",
    "read_rating", "check_rating_format", "default_folder", "excerpt_html", "form_html", "calibration_html",
]

DIMENSIONS = ("adherence", "proscribed", "facilitative", "structure", "competence")
SCORES = (1, 2, 3, 4, 5)
MAX_RATED_TURNS = 4
USES = ("practice", "graded")
PHASES = ("initial", "middle", "ending")
SPEAKERS = ("therapist", "client")
MIN_TURNS, MAX_TURNS = 16, 26

_ID = re.compile(r"^F\d{2}$")


class FidelityDataError(StudentFacingError):
    """A fidelity file is missing, damaged or off-schema; the message names the file and the field."""

    title = "Rating material problem"

    def __init__(self, path: Path | str, field_name: str, problem: str, line: int | None = None):
        self.path, self.field, self.problem, self.line = Path(path), field_name, problem, line
        super().__init__(f"{self.path.name}, {field_name}: {problem}" + (f" (line {line})" if line else ""))


class RatingFormatError(StudentFacingError):
    """A rating cannot be read (raised only by helpers that must have a readable rating)."""

    title = "Check your rating"


# --- records -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dimension:
    """One dimension of the form: ``anchors[0]`` describes a score of 1, ``anchors[4]`` a score of 5."""

    id: str
    name: str
    what: str
    anchors: tuple[str, str, str, str, str]

    def anchor(self, score: int) -> str:
        return self.anchors[score - 1]


@dataclass(frozen=True)
class RatingForm:
    title: str
    version: int
    scale: str
    basis: str
    how_to_rate: str
    phase_expectations: tuple[tuple[str, str], ...]
    area_strategies: tuple[tuple[str, str], ...]
    dimensions: tuple[Dimension, ...]

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    def _repr_html_(self) -> str:
        from .fidelity_cards import form_html

        return form_html(self)

    def __str__(self) -> str:
        lines = [f"{self.title} (version {self.version}). {self.scale}", ""]
        for d in self.dimensions:
            lines.append(f"{d.name} ({d.id}): {d.what}")
            lines += [f"  {i}. {a}" for i, a in enumerate(d.anchors, 1)]
        return "\n".join(lines)


@dataclass(frozen=True)
class Turn:
    n: int
    speaker: str
    text: str


@dataclass(frozen=True)
class Client:
    name: str
    age: int
    pronouns: str
    background: str


@dataclass(frozen=True)
class ShownKey:
    """The key of the calibration excerpt, which students may see: per dimension a score, turns and reasons."""

    dimensions: tuple[tuple[str, int, tuple[int, ...], str], ...]  # (dimension id, score, turns, why)
    lapses: tuple[tuple[str, tuple[int, ...], str], ...]            # (kind, turns, note)
    worked_rating: str


@dataclass(frozen=True)
class Excerpt:
    """An excerpt as a rater sees it. A graded excerpt carries no key (``shown_key`` is None)."""

    id: str
    title: str
    use: str
    problem_area: str
    dispute_stage: str | None
    phase: str
    session: int
    planned_sessions: int
    client: Client
    setting: str
    condition: str
    summary: str
    content_note: str | None
    turns: tuple[Turn, ...]
    shown_key: ShownKey | None = None

    @property
    def turn_numbers(self) -> tuple[int, ...]:
        return tuple(t.n for t in self.turns)

    def _repr_html_(self) -> str:
        from .fidelity_cards import excerpt_html

        return excerpt_html(self)

    def __str__(self) -> str:
        note = f"Content note: {self.content_note}\n\n" if self.content_note else ""
        body = "\n".join(f"{t.n:>2} {t.speaker.capitalize()}: {t.text}" for t in self.turns)
        return f"{self.id}: {self.title}\n{note}{self.summary.strip()}\n\n{body}"


@dataclass(frozen=True)
class DimensionRating:
    score: int
    turns: tuple[int, ...]


@dataclass(frozen=True)
class Rating:
    """A readable rating: one score (1-5) and one to four turns for every dimension, in the form's order."""

    dimensions: tuple[tuple[str, DimensionRating], ...]

    def __getitem__(self, dimension_id: str) -> DimensionRating:
        return dict(self.dimensions)[dimension_id]

    def as_literal(self) -> dict:
        """The rating written as a student writes it: ``{"adherence": (3, [4, 8]), ...}``."""
        return {d: (r.score, list(r.turns)) for d, r in self.dimensions}


@dataclass(frozen=True)
class FidelityBundle:
    """What an assignment ships: the form and the excerpts (graded ones without their keys)."""

    form: RatingForm
    excerpts: tuple[Excerpt, ...]

    def excerpt(self, excerpt_id: str) -> Excerpt:
        wanted = str(excerpt_id).strip().upper()
        for e in self.excerpts:
            if e.id == wanted:
                return e
        raise RatingFormatError(f"There is no excerpt {excerpt_id!r} here. The excerpts are: "
                                f"{', '.join(e.id for e in self.excerpts)}.")

    def calibration(self, excerpt_id: str):
        """The key and worked rating of a practice excerpt, as a card (a graded excerpt has none to show)."""
        from .fidelity_cards import CalibrationCard

        excerpt = self.excerpt(excerpt_id)
        if excerpt.shown_key is None:
            raise RatingFormatError(f"Excerpt {excerpt.id} is graded: its key is not shown. Only the calibration "
                                    "excerpt's is.")
        return CalibrationCard(excerpt, self.form)


# --- reading the data folder ---------------------------------------------------------------------------------

def default_folder() -> Path:
    """data/fidelity in a checkout of the course repository (it is course source and is not packaged)."""
    return Path(__file__).resolve().parent.parent / "data" / "fidelity"


def _read_toml(path: Path) -> dict:
    from .fidelity_corpus import CORPUS  # only the instructor's builder reads TOML; a kernel reads the shipped JSON

    return CORPUS.read(path)


def _text(path: Path, raw: dict, name: str, *, optional: bool = False) -> str | None:
    value = raw.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FidelityDataError(path, name, f"expected text, got {value!r}" if value is not None else "missing")
    return value


def _int(path: Path, raw: dict, name: str, low: int, high: int) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FidelityDataError(path, name, f"expected a whole number from {low} to {high}, got {value!r}")
    return value


def load_form(path: Path | str | None = None) -> RatingForm:
    """Read and check ``form.toml``: five dimensions in the fixed order, each with anchors 1 to 5."""
    path = Path(path) if path else default_folder() / "form.toml"
    raw = _read_toml(path)
    dims = raw.get("dimensions")
    if not isinstance(dims, list) or [d.get("id") if isinstance(d, dict) else d for d in dims] != list(DIMENSIONS):
        found = [d.get("id") for d in dims if isinstance(d, dict)] if isinstance(dims, list) else dims
        raise FidelityDataError(path, "dimensions", f"expected {', '.join(DIMENSIONS)} in that order, got {found!r}")
    dimensions = []
    for d in dims:
        where = f"dimensions.{d['id']}"
        anchors = d.get("anchors")
        if not isinstance(anchors, dict) or sorted(anchors) != [str(s) for s in SCORES]:
            raise FidelityDataError(path, f"{where}.anchors", "expected the keys 1 to 5, each with text")
        for f in ("name", "what"):
            if not isinstance(d.get(f), str) or not d[f].strip():
                raise FidelityDataError(path, f"{where}.{f}", "missing or empty")
        dimensions.append(Dimension(d["id"], d["name"], d["what"], tuple(anchors[str(s)] for s in SCORES)))

    def table(name: str) -> tuple[tuple[str, str], ...]:
        value = raw.get(name)
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise FidelityDataError(path, name, "expected a table of texts")
        return tuple(value.items())

    return RatingForm(
        title=_text(path, raw, "title"), version=_int(path, raw, "version", 1, 999), scale=_text(path, raw, "scale"),
        basis=_text(path, raw, "basis"), how_to_rate=_text(path, raw, "how_to_rate"),
        phase_expectations=table("phase_expectations"), area_strategies=table("area_strategies"),
        dimensions=tuple(dimensions))


def _turn_list(path: Path, where: str, value: object, numbers: set[int]) -> tuple[int, ...]:
    if (not isinstance(value, list) or not 1 <= len(value) <= MAX_RATED_TURNS
            or not all(isinstance(n, int) and not isinstance(n, bool) and n in numbers for n in value)):
        raise FidelityDataError(path, where, f"expected one to {MAX_RATED_TURNS} turn numbers of this excerpt, "
                                f"got {value!r}")
    return tuple(value)


def _shown_key(path: Path, raw: dict, numbers: set[int]) -> ShownKey:
    key = raw.get("key")
    if not isinstance(key, dict):
        raise FidelityDataError(path, "key", "a practice excerpt needs its [key] (it is shown to students)")
    dims = []
    for d in DIMENSIONS:
        entry = key.get(d)
        if not isinstance(entry, dict):
            raise FidelityDataError(path, f"key.{d}", "missing")
        score = _int(path, entry, "score", 1, 5)
        dims.append((d, score, _turn_list(path, f"key.{d}.turns", entry.get("turns"), numbers),
                     _text(path, entry, "why")))
    lapses = tuple((lp["kind"], tuple(lp["turns"]), lp["note"]) for lp in key.get("lapses", []))
    worked = raw.get("worked_rating", {})
    return ShownKey(tuple(dims), lapses, _text(path, worked if isinstance(worked, dict) else {}, "text"))


def load_excerpt(path: Path | str) -> Excerpt:
    """Read and check one ``fNN.toml`` (``fidelity_corpus.SCHEMA``). A graded file's ``[key]`` is not read: it stays
    on the instructor's side."""
    from .fidelity_corpus import CORPUS

    return CORPUS.load(path)


def load_excerpts(folder: Path | str | None = None) -> tuple[Excerpt, ...]:
    """Every ``fNN.toml`` in ``folder`` (default: data/fidelity), in id order."""
    from .fidelity_corpus import CORPUS

    return tuple(CORPUS.load_all(folder))


def load_public_folder(folder: Path | str | None = None) -> FidelityBundle:
    """The form and every excerpt of a data folder, as a rater sees them."""
    folder = Path(folder) if folder else default_folder()
    return FidelityBundle(load_form(folder / "form.toml"), load_excerpts(folder))


# --- the public JSON an assignment ships ---------------------------------------------------------------------

def _excerpt_record(e: Excerpt) -> dict:
    record = {
        "id": e.id, "title": e.title, "use": e.use, "problem_area": e.problem_area, "dispute_stage": e.dispute_stage,
        "phase": e.phase, "session": e.session, "planned_sessions": e.planned_sessions,
        "client": {"name": e.client.name, "age": e.client.age, "pronouns": e.client.pronouns,
                   "background": e.client.background},
        "setting": e.setting, "condition": e.condition, "summary": e.summary, "content_note": e.content_note,
        "turns": [{"n": t.n, "speaker": t.speaker, "text": t.text} for t in e.turns],
    }
    if e.shown_key is not None:  # practice only: graded excerpts never have one (see load_excerpt)
        k = e.shown_key
        record["shown_key"] = {
            "dimensions": [{"id": d, "score": s, "turns": list(t), "why": w} for d, s, t, w in k.dimensions],
            "lapses": [{"kind": kind, "turns": list(t), "note": n} for kind, t, n in k.lapses],
            "worked_rating": k.worked_rating,
        }
    return record


def write_public(path: Path | str, bundle: FidelityBundle | None = None, *, ids: tuple[str, ...] | None = None,
                 name: str = "fidelity") -> Path:
    """Write the JSON an assignment ships next to its notebook (default: every excerpt of data/fidelity).

    Built from :class:`Excerpt` records only, so a graded key cannot reach the file."""
    bundle = bundle or load_public_folder()
    excerpts = [bundle.excerpt(i) for i in ids] if ids else list(bundle.excerpts)
    f = bundle.form
    data = {
        "name": name,
        "form": {"title": f.title, "version": f.version, "scale": f.scale, "basis": f.basis,
                 "how_to_rate": f.how_to_rate, "phase_expectations": dict(f.phase_expectations),
                 "area_strategies": dict(f.area_strategies),
                 "dimensions": [{"id": d.id, "name": d.name, "what": d.what, "anchors": list(d.anchors)}
                                for d in f.dimensions]},
        "excerpts": [_excerpt_record(e) for e in excerpts],
    }
    path = Path(path)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_public(path: Path | str = "fidelity.json") -> FidelityBundle:
    """Read the JSON shipped with an assignment (in a student's kernel: no TOML, no data folder)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        f = data["form"]
        form = RatingForm(f["title"], int(f["version"]), f["scale"], f["basis"], f["how_to_rate"],
                          tuple(f["phase_expectations"].items()), tuple(f["area_strategies"].items()),
                          tuple(Dimension(d["id"], d["name"], d["what"], tuple(d["anchors"])) for d in f["dimensions"]))
        excerpts = tuple(_excerpt_from_record(r) for r in data["excerpts"])
    except FileNotFoundError:
        raise FidelityDataError(path, "(file)", "the file is missing. It comes with the assignment: fetch the "
                                "assignment again, or ask your instructor.") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise FidelityDataError(path, "(file)", "the file is damaged. Fetch the assignment again.") from None
    return FidelityBundle(form, excerpts)


def _excerpt_from_record(r: dict) -> Excerpt:
    shown = None
    if r.get("shown_key"):
        k = r["shown_key"]
        shown = ShownKey(tuple((d["id"], int(d["score"]), tuple(d["turns"]), d["why"]) for d in k["dimensions"]),
                         tuple((lp["kind"], tuple(lp["turns"]), lp["note"]) for lp in k["lapses"]), k["worked_rating"])
    c = r["client"]
    return Excerpt(r["id"], r["title"], r["use"], r["problem_area"], r.get("dispute_stage"), r["phase"],
                   int(r["session"]), int(r["planned_sessions"]),
                   Client(c["name"], int(c["age"]), c["pronouns"], c["background"]), r["setting"], r["condition"],
                   r["summary"], r.get("content_note"),
                   tuple(Turn(int(t["n"]), t["speaker"], t["text"]) for t in r["turns"]), shown)


_MOVED = {**dict.fromkeys(("FormatCheck", "read_rating", "check_rating_format"), "fidelity_format"),
          **dict.fromkeys(("excerpt_html", "form_html", "calibration_html", "CalibrationCard"), "fidelity_cards")}


def __getattr__(name: str):
    """The rating format check (``fidelity_format``) and the HTML cards (``fidelity_cards``) live in modules of
    their own; they are found here too, loaded on first use."""
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f".{_MOVED[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
