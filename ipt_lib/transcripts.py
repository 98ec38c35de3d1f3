"""Synthetic IPT session excerpts: one TOML file each, checked against a schema, shown as dialogue.

A malformed file fails with a message naming the file, the turn and the field::

    python -m ipt_lib.transcripts check data/transcripts     # validate and print coverage

``load_transcripts()`` returns :class:`Transcript` records; ``Transcript.to_frame()`` and
``transcripts_frame(...)`` return pandas DataFrames (pandas is imported only then).
``Transcript.show(labels)`` renders the dialogue as HTML and, for practice items only, marks
a student's labels against the key. The schema is :data:`SCHEMA` (with :data:`CLIENT` and :data:`TURN`),
described for authors in data/transcripts/README.md.
"""

from __future__ import annotations

import dataclasses
import html
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, NoReturn

from .content_notes import SENSITIVE as _SENSITIVE  # wide: suicide, self-harm, violent death, trauma
from .corpus import Corpus, Field, Fields, Schema
from .errors import StudentFacingError
from .problem_areas import DisputeStage, DisputeStageError, ProblemArea, ProblemAreaError
from .techniques import CommunicationProblem, CommunicationProblemError, Phase, PhaseError, Technique, TechniqueError

__all__ = [
    "Turn", "Transcript", "Client", "TranscriptError", "LabelError", "load_transcript", "load_transcripts",
    "transcripts_frame", "default_folder", "POPULATIONS", "SETTINGS", "CONDITIONS", "USES", "SPEAKERS", "SCHEMA",
]

POPULATIONS = ("adolescent", "adult", "older adult")
SETTINGS = ("clinic", "school counselling", "primary care", "perinatal service", "group", "telehealth")
CONDITIONS = ("depression", "anxiety", "eating disorder", "PTSD")
USES = ("practice", "graded")
SPEAKERS = ("therapist", "client")
AGES = {"adolescent": (12, 18), "adult": (18, 64), "older adult": (60, 110)}
MIN_TURNS, MAX_TURNS = 10, 20
MAX_SESSIONS = 16

_ID = re.compile(r"^T\d{2,3}$")
_SPEAKER_HINTS = {
    **{w: "; did you mean 'client'?" for w in ("patient", "clients", "c", "p")},
    **{w: "; did you mean 'therapist'?" for w in ("counsellor", "counselor", "facilitator", "clinician", "t",
                                                   "therapists", "doctor", "nurse")},
    "client": "; write it exactly so, in lower case", "therapist": "; write it exactly so, in lower case",
}
_NONE_WORDS = {"", "none", "no", "no problem", "no communication problem", "n/a", "na", "-", "nothing"}


class TranscriptError(StudentFacingError):
    """A transcript file does not follow the schema; the message names the file, the turn and the field."""

    title = "Transcript file problem"

    def __init__(self, path: Path | str, field_name: str, problem: str, turn: int | None = None):
        self.path, self.field, self.problem, self.turn = Path(path), field_name, problem, turn
        where = f"turn {turn}, {field_name}" if turn is not None else field_name
        super().__init__(f"{self.path.name}, {where}: {problem}")


class LabelError(StudentFacingError):
    """A student's labels for a transcript cannot be checked (a wrong turn number, a graded item, ...)."""

    title = "Check your labels"


@dataclass(frozen=True)
class Client:
    """Who the client is; entirely fictional."""

    name: str
    age: int
    pronouns: str
    background: str


@dataclass(frozen=True)
class Turn:
    """One turn of dialogue. Therapist turns carry a technique; client turns may carry a communication problem."""

    number: int
    speaker: str
    text: str
    technique: Technique | None = None
    communication_problem: CommunicationProblem | None = None
    rationale: str = ""

    @property
    def is_labelled(self) -> bool:
        return self.technique is not None or self.communication_problem is not None

    @property
    def key(self) -> str:
        """The answer-key label as text: the technique, the communication problem, or ''."""
        label = self.technique or self.communication_problem
        return label.label if label else ""


@dataclass(frozen=True)
class Transcript:
    """One synthetic excerpt of an IPT session (see data/transcripts/_TEMPLATE.toml.example)."""

    id: str
    title: str
    problem_area: ProblemArea
    dispute_stage: DisputeStage | None
    phase: Phase
    session: int
    planned_sessions: int
    population: str
    client: Client
    setting: str
    condition: str
    use: str
    summary: str
    turns: tuple[Turn, ...]
    content_note: str = ""
    labels_removed: bool = False
    source: str = field(default="", compare=False)

    @property
    def is_graded(self) -> bool:
        return self.use == "graded"

    def turn(self, number: int) -> Turn:
        """Turn ``number`` (counted from 1)."""
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(self.turns):
            raise LabelError(f"{self.id} has turns 1-{len(self.turns)}; there is no turn {number!r}.")
        return self.turns[number - 1]

    def public(self) -> "Transcript":
        """A copy with no technique, communication problem, rationale or dispute stage: safe for students."""
        turns = tuple(Turn(t.number, t.speaker, t.text) for t in self.turns)
        return dataclasses.replace(self, turns=turns, dispute_stage=None, labels_removed=True)

    def public_record(self) -> dict:
        """The public copy as plain data (JSON), for an assignment's case file: no label of any kind."""
        if not self.labels_removed:
            return self.public().public_record()
        return {
            "id": self.id, "title": self.title, "problem_area": self.problem_area.label, "phase": self.phase.label,
            "session": self.session, "planned_sessions": self.planned_sessions, "population": self.population,
            "client": dataclasses.asdict(self.client), "setting": self.setting, "condition": self.condition,
            "use": self.use, "summary": self.summary, "content_note": self.content_note,
            "turns": [{"number": t.number, "speaker": t.speaker, "text": t.text} for t in self.turns],
        }

    @classmethod
    def from_public_record(cls, record: dict) -> "Transcript":
        """Read back :meth:`public_record` (labels stay removed)."""
        try:
            return cls(
                id=record["id"], title=record["title"], problem_area=ProblemArea.parse(record["problem_area"]),
                dispute_stage=None, phase=Phase.parse(record["phase"]), session=record["session"],
                planned_sessions=record["planned_sessions"], population=record["population"],
                client=Client(**record["client"]), setting=record["setting"], condition=record["condition"],
                use=record["use"], summary=record["summary"], content_note=record.get("content_note", ""),
                turns=tuple(Turn(t["number"], t["speaker"], t["text"]) for t in record["turns"]),
                labels_removed=True,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TranscriptError("case file", "record", f"is not a transcript record ({exc})") from None

    # --- tables ---

    def to_frame(self):
        """One row per turn: turn, speaker, text, technique, communication_problem (None where unlabelled)."""
        import pandas as pd

        return pd.DataFrame(_rows(self), columns=["turn", "speaker", "text", "technique", "communication_problem"])

    # --- display ---

    def html(self, labels: Mapping[int, str] | None = None, *, key: bool = False) -> str:
        """The dialogue as HTML. ``labels`` (turn -> a student's label) are marked against the key,
        and ``key=True`` shows the key; both only for practice transcripts."""
        marks: dict[int, tuple[str, bool]] = {}
        if labels is not None or key:
            if self.is_graded:
                raise LabelError(
                    f"{self.id} is a graded item: its answer key is not shown. You can still read it with "
                    f"show() and no labels; your labels are marked after grading."
                )
            if self.labels_removed:
                raise LabelError(f"This copy of {self.id} has had its labels removed, so there is no key to "
                                 f"compare with.")
            marks = self._mark(labels or {})
        return _render(self, marks, show_key=key)

    def show(self, labels: Mapping[int, str] | None = None, *, key: bool = False) -> "TranscriptView":
        """Display the dialogue in a notebook (see :meth:`html`)."""
        return TranscriptView(self.html(labels, key=key))

    def _repr_html_(self) -> str:
        return self.html()

    def _mark(self, labels: Mapping[int, str]) -> dict[int, tuple[str, bool]]:
        if not isinstance(labels, Mapping):
            raise LabelError(
                "Give your labels as a dict from turn number to label, for example "
                "{2: 'clarification', 5: 'silence'}; got " + type(labels).__name__ + "."
            )
        marks = {}
        for number, text in labels.items():
            if text is Ellipsis or text is None or (isinstance(text, str) and not text.strip()):
                continue  # not labelled yet: shown without a mark
            turn = self.turn(number)
            marks[number] = (text, _is_correct(turn, text))
        return marks


class TranscriptView(str):
    """HTML text that a notebook displays as HTML (no IPython import needed)."""

    def _repr_html_(self) -> str:
        return str(self)


def load_case_file(path: Path | str) -> dict[str, "Transcript"]:
    """An assignment's transcripts.json (public copies): id -> Transcript."""
    import json

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TranscriptError(path, "file", "is missing: it should be beside the notebook") from None
    except (OSError, ValueError) as exc:
        raise TranscriptError(path, "file", f"cannot be read ({type(exc).__name__})") from None
    return {record["id"]: Transcript.from_public_record(record) for record in data.get("transcripts", [])}


def default_folder() -> Path:
    """data/transcripts in a checkout of the course repository, else the practice transcripts packaged with
    ipt_lib (graded transcripts are never packaged)."""
    return CORPUS.default_folder()


def load_transcript(path: Path | str) -> Transcript:
    """Read and validate one transcript file."""
    return CORPUS.load(path)


def load_transcripts(folder: Path | str | None = None) -> list[Transcript]:
    """Read every ``*.toml`` transcript in ``folder`` (default: the repository's data/transcripts), sorted by id."""
    return CORPUS.load_all(folder)


def transcripts_frame(transcripts: Iterable[Transcript] | Path | str | None = None):
    """All turns of several transcripts as one DataFrame, with the transcript's id, area, phase and use."""
    import pandas as pd

    if transcripts is None or isinstance(transcripts, (str, Path)):
        transcripts = load_transcripts(transcripts)
    rows = []
    for t in transcripts:
        for row in _rows(t):
            rows.append({"transcript": t.id, "problem_area": t.problem_area.label, "phase": t.phase.label,
                         "use": t.use, **row})
    columns = ["transcript", "problem_area", "phase", "use", "turn", "speaker", "text", "technique",
               "communication_problem"]
    return pd.DataFrame(rows, columns=columns)


# --- helpers -----------------------------------------------------------------

def _rows(t: Transcript) -> list[dict]:
    return [{
        "turn": turn.number, "speaker": turn.speaker, "text": turn.text,
        "technique": turn.technique.label if turn.technique else None,
        "communication_problem": turn.communication_problem.label if turn.communication_problem else None,
    } for turn in t.turns]


def _is_correct(turn: Turn, text: object) -> bool:
    """Parse a student's label for ``turn`` (errors name the turn) and compare it with the key."""
    try:
        if turn.speaker == "therapist":
            return Technique.parse(text) is turn.technique
        if isinstance(text, str) and text.strip(" .").lower() in _NONE_WORDS:
            return turn.communication_problem is None
        return CommunicationProblem.parse(text) is turn.communication_problem
    except StudentFacingError as exc:
        raise type(exc)(f"Turn {turn.number}: {exc}") from None


_CSS = """<style>
.ipt-transcript{font-family:inherit;max-width:52em;border:1px solid #ccc;border-radius:6px;padding:.6em .9em}
.ipt-transcript h4{margin:.2em 0 .1em}.ipt-transcript .ipt-meta{color:#555;font-size:.9em;margin-bottom:.5em}
.ipt-turn{display:flex;gap:.6em;padding:.35em .4em;margin:.2em 0;border-radius:4px}
.ipt-turn .ipt-num{color:#777;min-width:2.2em;text-align:right}
.ipt-turn .ipt-speaker{font-weight:bold;min-width:6.5em}
.ipt-therapist{background:#eef4fb}.ipt-client{background:#f7f7f2}
.ipt-correct{outline:2px solid #2e7d32}.ipt-incorrect{outline:2px solid #c62828}
.ipt-mark{display:block;font-size:.88em;margin-top:.2em}
.ipt-correct .ipt-mark{color:#2e7d32}.ipt-incorrect .ipt-mark{color:#c62828}
.ipt-key{display:block;font-size:.88em;color:#37474f;margin-top:.2em}
</style>"""


def _render(t: Transcript, marks: dict[int, tuple[str, bool]], *, show_key: bool) -> str:
    e = html.escape
    speaker_name = {"therapist": "Therapist", "client": t.client.name}
    meta = [f"session {t.session} of {t.planned_sessions}", f"{t.phase.label} phase", t.problem_area.label,
            t.setting, f"{t.client.name}, {t.client.age} ({t.client.pronouns})"]
    parts = [_CSS, f'<div class="ipt-transcript" data-id="{e(t.id)}">',
             f"<h4>{e(t.id)}: {e(t.title)}</h4>", f'<div class="ipt-meta">{e(" · ".join(meta))}</div>']
    if t.content_note:
        parts.append(f'<div class="ipt-meta"><b>Content note:</b> {e(t.content_note)}</div>')
    parts.append(f'<div class="ipt-meta">{e(t.summary)}</div>')
    for turn in t.turns:
        classes = ["ipt-turn", f"ipt-{turn.speaker}"]
        extra = ""
        if turn.number in marks:
            given, ok = marks[turn.number]
            classes.append("ipt-correct" if ok else "ipt-incorrect")
            verdict = "correct" if ok else "not the key"
            extra += (f'<span class="ipt-mark">Your label: {e(str(given))} ({verdict}); '
                      f'key: {e(turn.key or "none")}</span>')
        elif show_key and turn.is_labelled:
            extra += f'<span class="ipt-key">Key: {e(turn.key)}. {e(turn.rationale)}</span>'
        parts.append(
            f'<div class="{" ".join(classes)}" data-turn="{turn.number}">'
            f'<span class="ipt-num">{turn.number}</span>'
            f'<span class="ipt-speaker">{e(speaker_name[turn.speaker])}</span>'
            f'<span class="ipt-text">{e(turn.text)}{extra}</span></div>'
        )
    parts.append("</div>")
    return "\n".join(parts)


# --- schema and validation -----------------------------------------------------------

CLIENT = Schema((
    Field("name", "the client's first name (invented)"),
    Field("age", "a whole number that fits the population", kind="whole", low=1, high=110),
    Field("pronouns", "e.g. she/her, he/him, they/them"),
    Field("background", "culture, family, work: specific, not stereotyped"),
))
TURN = Schema((
    Field("speaker", "therapist or client", kind="any"),
    Field("text", "what is said"),
    Field("technique", "therapist turns: the technique (read by Technique.parse)", kind="any", required=False),
    Field("communication_problem", "client turns, optional: read by CommunicationProblem.parse", kind="any",
          required=False),
    Field("rationale", "one sentence: why the label fits; required exactly when the turn is labelled",
          required=False),
))
SCHEMA = Schema((
    Field("id", "T and 2-3 digits (T07); unique across the folder"),
    Field("title", "short, neutral"),
    Field("problem_area", "grief, role dispute, role transition, interpersonal deficits", kind="parse",
          parse=ProblemArea.parse, errors=ProblemAreaError),
    Field("dispute_stage", "renegotiation, impasse or dissolution: required for a role dispute, absent otherwise",
          kind="any", required=False),
    Field("phase", "initial, middle, ending", kind="parse", parse=Phase.parse, errors=PhaseError),
    Field("session", "this session's number; it must fit the phase", kind="whole", low=1, high=MAX_SESSIONS),
    Field("planned_sessions", "the planned course length", kind="whole", low=3, high=MAX_SESSIONS),
    Field("population", "adolescent (12-18), adult (18-64), older adult (60+)", kind="choice", choices=POPULATIONS),
    Field("client", "who the client is", kind="table", fields=CLIENT),
    Field("setting", "where the session takes place", kind="choice", choices=SETTINGS),
    Field("condition", "what the client is treated for", kind="choice", choices=CONDITIONS),
    Field("use", "practice (labels may be shown) or graded (labels instructor-only)", kind="choice", choices=USES),
    Field("summary", "context a student may read; no labels and no dispute stage"),
    Field("content_note", "required if a turn, the summary or the title touches suicide, self-harm, violent death "
                          "or trauma", required=False),
    Field("turns", f"{MIN_TURNS}-{MAX_TURNS} [[turns]] tables, numbered from 1 in file order", kind="tables",
          fields=TURN),
))


def _validate(path: Path, raw: dict) -> Transcript:
    def fail(name: str, problem: str, turn: int | None = None) -> NoReturn:
        raise TranscriptError(path, name, problem, turn)

    fields = Fields(raw, fail)
    values = fields.read(SCHEMA)
    if not _ID.match(values["id"]):
        fail("id", f"{values['id']!r} must look like T07")
    area = values["problem_area"]
    stage = dispute_stage(fields, area, "excerpt")
    phase, session, planned = values["phase"], values["session"], values["planned_sessions"]
    if session > planned:
        fail("session", f"session {session} is after the last planned session ({planned})")
    if not phase.allows_session(session, planned):
        fail("session", f"session {session} of {planned} does not fit the {phase.label} phase (initial: "
                        f"sessions 1-4; middle: from session 3 to the one before the last; ending: the last "
                        f"four; see Weissman et al., 2018; Stuart & Robertson, 2012; IPT UK, n.d.-b)")
    population, client = values["population"], Client(**values["client"])
    low, high = AGES[population]
    if not low <= client.age <= high:
        fail("client.age", f"{client.age} does not fit the population {population!r} (ages {low}-{high})")

    turns_raw = values["turns"]
    if not isinstance(turns_raw, list) or not all(isinstance(t, dict) for t in turns_raw):
        fail("turns", "must be a list of [[turns]] tables")
    if not MIN_TURNS <= len(turns_raw) <= MAX_TURNS:
        fail("turns", f"has {len(turns_raw)} turns; an excerpt has {MIN_TURNS}-{MAX_TURNS}")
    turns = [_turn(number, Fields(entry, lambda name, problem, n=number: fail(name, problem, n)))
             for number, entry in enumerate(turns_raw, start=1)]
    if not any(t.speaker == "client" for t in turns) or not any(t.speaker == "therapist" for t in turns):
        fail("turns", "an excerpt needs both therapist and client turns")

    content_note = values["content_note"]
    for number, spoken in [(t.number, t.text) for t in turns] + [(None, values["summary"]), (None, values["title"])]:
        found = _SENSITIVE.search(spoken)
        if found and not content_note:
            where = f"turn {number}" if number else "the summary or title"
            fail("content_note", f"{where} mentions suicide, self-harm, violent death or trauma ({found.group(0)!r}): "
                 "add a short content note, shown above the excerpt")
    return Transcript(
        id=values["id"], title=values["title"], problem_area=area, dispute_stage=stage, phase=phase,
        session=session, planned_sessions=planned, population=population, client=client,
        setting=values["setting"], condition=values["condition"], use=values["use"], summary=values["summary"],
        turns=tuple(turns), content_note=content_note, source=str(path),
    )


def _turn(number: int, fields: Fields) -> Turn:
    """One [[turns]] table: a therapist turn carries a technique, a client turn may carry a communication problem."""
    fields.only(TURN.names)
    speaker = fields.get("speaker")
    if speaker not in SPEAKERS:
        hint = _SPEAKER_HINTS.get(str(speaker).strip().lower(), "")
        fields.fail("speaker", f"{speaker!r} is not one of: {', '.join(SPEAKERS)}{hint}")
    text = fields.text("text", default=None)
    technique = problem = None
    if speaker == "therapist":
        if "communication_problem" in fields:
            fields.fail("communication_problem", "only client turns carry a communication problem")
        if "technique" not in fields:
            fields.fail("technique", "missing: every therapist turn is labelled with its technique")
        technique = fields.parsed("technique", Technique.parse, TechniqueError)
    else:
        if "technique" in fields:
            fields.fail("technique", "only therapist turns carry a technique")
        if "communication_problem" in fields:
            problem = fields.parsed("communication_problem", CommunicationProblem.parse, CommunicationProblemError)
    labelled = technique is not None or problem is not None
    rationale = fields.text("rationale", empty_ok=True)
    if labelled and not rationale:
        fields.fail("rationale", "missing: say in a sentence why the label fits this turn")
    if rationale and not labelled:
        fields.fail("rationale", "only a labelled turn has a rationale")
    return Turn(number, speaker, text, technique, problem, rationale)


def dispute_stage(fields: Fields, area: ProblemArea, noun: str) -> DisputeStage | None:
    """The ``dispute_stage`` field: required for a role dispute and read by DisputeStage.parse, absent otherwise."""
    raw = fields.get("dispute_stage", "")
    if area is not ProblemArea.ROLE_DISPUTE:
        if raw not in ("", None):
            fields.fail("dispute_stage", f"only a role-dispute {noun} has a stage; this one is {area.label}")
        return None
    if raw in ("", None):
        fields.fail("dispute_stage", f"missing: a role-dispute {noun} needs its stage (renegotiation, impasse or "
                                     "dissolution)")
    return fields.parsed("dispute_stage", DisputeStage.parse, DisputeStageError)


# --- command line ------------------------------------------------------------

def coverage(transcripts: list[Transcript]) -> dict[str, Counter]:
    """Counts per area, phase, population, setting, use, dispute stage, technique and communication problem."""
    turns = [turn for t in transcripts for turn in t.turns]
    return {
        "problem area": Counter(t.problem_area.label for t in transcripts),
        "phase": Counter(t.phase.label for t in transcripts),
        "population": Counter(t.population for t in transcripts),
        "setting": Counter(t.setting for t in transcripts),
        "condition": Counter(t.condition for t in transcripts),
        "use": Counter(t.use for t in transcripts),
        "dispute stage": Counter(t.dispute_stage.label for t in transcripts if t.dispute_stage),
        "technique": Counter(turn.technique.label for turn in turns if turn.technique),
        "communication problem": Counter(turn.communication_problem.label for turn in turns
                                         if turn.communication_problem),
    }


def coverage_table(transcripts: list[Transcript]) -> str:
    lines = [f"{len(transcripts)} transcripts, {sum(len(t.turns) for t in transcripts)} turns"]
    for name, counts in coverage(transcripts).items():
        lines.append(f"{name}: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    return "\n".join(lines)


def _main(argv: list[str]) -> int:
    """``check [FOLDER]``: every file's errors and the coverage."""
    return CORPUS.main(argv, {"check": lambda good: [coverage_table(good)]})


CORPUS = Corpus("transcript", "transcripts", "transcripts", "ipt_lib.transcripts", TranscriptError, _validate)


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
