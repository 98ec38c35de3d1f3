"""Portfolio cases (data/portfolio/, Assignment 8): one client followed through a full acute course of IPT, read and
checked on the instructor's side.

A case file holds what an IPT Institute portfolio is built from (IPT Institute, n.d.-a): the referral and intake, an
inventory interview naming the people who matter, brief notes of every session, the client's PHQ-9 and GAD-7
answers item by item at intake and every four sessions, and the transcript of one session. ``load_case`` checks the
file and says what is wrong in a sentence that names the file and the field; the builder turns the case into the
notebook's cards, so a student's kernel never reads TOML. The scores' totals, bands, response and remission are never
written in the file: ``measures_key`` works them out with ``ipt_lib.measures``.

>>> case = load_case(default_folder() / "p01.toml")
>>> case.client.name, len(case.people), [m.session for m in case.measures]
('Farhan', 8, [1, 4, 8, 12, 16])
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..content_notes import sensitive_phrase
from ..measures import MeasureError, is_remission, is_response, read_gad7, read_phq9

MIN_PEOPLE, MAX_PEOPLE = 6, 9
MIN_SESSIONS, MAX_SESSIONS = 12, 16  # a standard acute course (ISIPT, n.d.-b; Weissman & Klerman, 1990)
MEASURE_EVERY = 4  # PHQ-9 and GAD-7 at intake and every four sessions (IPT Institute, n.d.-a)
SPEAKERS = ("therapist", "client")


class PortfolioDataError(ValueError):
    """A portfolio case file is missing, damaged or off-schema; the message names the file and the field."""

    def __init__(self, path: Path | str, field_name: str, problem: str):
        self.path, self.field, self.problem = Path(path), field_name, problem
        super().__init__(f"{self.path.name}, {field_name}: {problem}")


@dataclass(frozen=True)
class Client:
    name: str
    age: int
    pronouns: str
    background: str


@dataclass(frozen=True)
class Person:
    name: str
    relationship: str


@dataclass(frozen=True)
class Session:
    n: int
    note: str


@dataclass(frozen=True)
class Measures:
    session: int
    phq9: tuple[int, ...]
    gad7: tuple[int, ...]


@dataclass(frozen=True)
class Turn:
    n: int
    speaker: str
    text: str


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    planned_sessions: int
    condition: str
    setting: str
    content_note: str
    client: Client
    referral_from: str
    referral: str
    intake: str
    inventory_intro: str
    inventory: str
    people: tuple[Person, ...]
    sessions: tuple[Session, ...]
    measures: tuple[Measures, ...]
    transcript_session: int
    transcript_summary: str
    turns: tuple[Turn, ...]

    @property
    def measured_sessions(self) -> tuple[int, ...]:
        return tuple(m.session for m in self.measures)


def default_folder() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "portfolio"


def _table(path: Path, raw: dict, name: str) -> dict:
    value = raw.get(name)
    if not isinstance(value, dict):
        raise PortfolioDataError(path, name, f"a [{name}] table is needed")
    return value


def _text(path: Path, raw: dict, name: str, where: str = "") -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PortfolioDataError(path, where + name, "text is needed here (a string that is not empty)")
    return " ".join(value.split()) if "\n\n" not in value.strip() else value.strip()


def _int(path: Path, raw: dict, name: str, low: int, high: int, where: str = "") -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PortfolioDataError(path, where + name, f"a whole number from {low} to {high} is needed, got {value!r}")
    return value


def _list(path: Path, raw: dict, name: str) -> list[dict]:
    value = raw.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise PortfolioDataError(path, name, f"one or more [[{name}]] entries are needed")
    return value


def _people(path: Path, raw: dict, interview: str) -> tuple[Person, ...]:
    people = tuple(Person(_text(path, p, "name", f"people[{i}]."), _text(path, p, "relationship", f"people[{i}]."))
                   for i, p in enumerate(_list(path, raw, "people")))
    if not MIN_PEOPLE <= len(people) <= MAX_PEOPLE:
        raise PortfolioDataError(path, "people", f"an inventory interview names {MIN_PEOPLE} to {MAX_PEOPLE} people; "
                                 f"this one lists {len(people)}")
    names = [p.name.casefold() for p in people]
    if len(set(names)) != len(names):
        raise PortfolioDataError(path, "people", "two people have the same name; give each a distinct name")
    for p in people:
        if not re.search(rf"\b{re.escape(p.name)}\b", interview):
            raise PortfolioDataError(path, "people", f"{p.name!r} is listed but not named in [inventory].text; "
                                     "every listed person must appear in the interview")
    return people


def _sessions(path: Path, raw: dict, planned: int) -> tuple[Session, ...]:
    sessions = tuple(Session(_int(path, s, "n", 1, planned, f"sessions[{i}]."), _text(path, s, "note", f"sessions[{i}]."))
                     for i, s in enumerate(_list(path, raw, "sessions")))
    numbers = [s.n for s in sessions]
    if numbers != list(range(1, planned + 1)):
        raise PortfolioDataError(path, "sessions", f"one note for each session 1 to {planned}, in order, is needed; "
                                 f"got sessions {numbers}")
    return sessions


def _measures(path: Path, raw: dict, planned: int) -> tuple[Measures, ...]:
    out = []
    for i, m in enumerate(_list(path, raw, "measures")):
        session = _int(path, m, "session", 1, planned, f"measures[{i}].")
        try:
            phq9, gad7 = read_phq9(m.get("phq9")).items, read_gad7(m.get("gad7")).items
        except MeasureError as exc:
            raise PortfolioDataError(path, f"measures[{i}] (session {session})", str(exc)) from None
        out.append(Measures(session, phq9, gad7))
    wanted = [1] + list(range(MEASURE_EVERY, planned + 1, MEASURE_EVERY))
    if planned not in wanted:
        wanted.append(planned)
    got = [m.session for m in out]
    if got != wanted:
        raise PortfolioDataError(path, "measures", f"a PHQ-9 and GAD-7 at intake and every {MEASURE_EVERY} "
                                 f"sessions (and at the last) are needed, at sessions {wanted}; got {got}")
    return tuple(out)


def _turns(path: Path, raw: dict) -> tuple[Turn, ...]:
    turns = []
    for i, t in enumerate(_list(path, raw, "turns"), 1):
        speaker = t.get("speaker")
        if speaker not in SPEAKERS:
            raise PortfolioDataError(path, f"transcript.turns[{i}].speaker", f"one of {', '.join(SPEAKERS)} is "
                                     f"needed, got {speaker!r}")
        turns.append(Turn(i, speaker, _text(path, t, "text", f"transcript.turns[{i}].")))
    if not 6 <= len(turns) <= 30:
        raise PortfolioDataError(path, "transcript.turns", f"a short transcript of 6 to 30 turns is needed, got "
                                 f"{len(turns)}")
    return tuple(turns)


def load_case(path: Path | str) -> Case:
    """The case in ``path``, checked; a PortfolioDataError naming the file and field says what to fix."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PortfolioDataError(path, "(file)", "the file is missing") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PortfolioDataError(path, "(file)", f"not valid TOML ({exc})") from None
    case_id = _text(path, raw, "id")
    if not re.fullmatch(r"P\d{2}", case_id) or case_id.lower() != path.stem:
        raise PortfolioDataError(path, "id", f"an id like 'P01' that matches the file name ({path.stem}.toml) is "
                                 f"needed, got {case_id!r}")
    planned = _int(path, raw, "planned_sessions", MIN_SESSIONS, MAX_SESSIONS)
    client, referral, intake = (_table(path, raw, n) for n in ("client", "referral", "intake"))
    inventory, transcript = _table(path, raw, "inventory"), _table(path, raw, "transcript")
    interview = _text(path, inventory, "text", "inventory.")
    case = Case(
        case_id, _text(path, raw, "title"), planned, _text(path, raw, "condition"), _text(path, raw, "setting"),
        " ".join(str(raw.get("content_note", "")).split()),
        Client(_text(path, client, "name", "client."), _int(path, client, "age", 12, 100, "client."),
               _text(path, client, "pronouns", "client."), _text(path, client, "background", "client.")),
        _text(path, referral, "from", "referral."), _text(path, referral, "text", "referral."),
        _text(path, intake, "text", "intake."), _text(path, inventory, "intro", "inventory."), interview,
        _people(path, raw, interview), _sessions(path, raw, planned), _measures(path, raw, planned),
        _int(path, transcript, "session", 1, planned, "transcript."), _text(path, transcript, "summary", "transcript."),
        _turns(path, transcript))
    _check_risk(path, case)
    return case


def _check_risk(path: Path, case: Case) -> None:
    """A case whose text touches suicide or self-harm, or whose PHQ-9 item 9 is ever above 0, needs a content note,
    and the intake must show the risk being asked about (STYLE.md; Simon et al., 2013)."""
    texts = [case.referral, case.intake, case.inventory, *(s.note for s in case.sessions),
             *(t.text for t in case.turns)]
    phrase = sensitive_phrase(*texts)
    item9 = [m.session for m in case.measures if m.phq9[8] > 0]
    if (phrase or item9) and not case.content_note:
        why = f"the text says {phrase!r}" if phrase else f"PHQ-9 item 9 is above 0 at session(s) {item9}"
        raise PortfolioDataError(path, "content_note", f"{why}, so a content note is needed")
    if item9 and 1 in item9 and "item 9" not in case.intake:
        raise PortfolioDataError(path, "intake.text", "PHQ-9 item 9 is above 0 at intake: the intake must show it "
                                 "being asked about and acted on (write 'item 9' where it is)")


def load_cases(folder: Path | str | None = None) -> dict[str, Case]:
    folder = Path(folder) if folder else default_folder()
    return {case.id: case for case in (load_case(p) for p in sorted(folder.glob("p*.toml")))}


def measures_key(case: Case) -> dict:
    """The scores' key, worked out from the item answers with ``ipt_lib.measures``: per scale and session the total
    and the accepted band names; response and remission at the last session (PHQ-9; ICSI, n.d.); the sessions
    whose PHQ-9 item 9 is above 0 (Simon et al., 2013)."""
    def bands(label: str) -> list[str]:
        return [label] + (["minimal", "none"] if label == "none-minimal" else [])

    key: dict = {"phq9": {}, "gad7": {}}
    for m in case.measures:
        phq, gad = read_phq9(m.phq9), read_gad7(m.gad7)
        key["phq9"][m.session] = (phq.total, bands(phq.band))
        key["gad7"][m.session] = (gad.total, bands(gad.band))
    first, last = case.measures[0], case.measures[-1]
    key["response"] = is_response(sum(first.phq9), sum(last.phq9))
    key["remission"] = is_remission("PHQ-9", sum(last.phq9))
    key["item9"] = sorted(m.session for m in case.measures if m.phq9[8] > 0)
    return key


def main(argv: list[str] | None = None) -> int:
    """``python -m ipt_lib.course.portfolio [FOLDER]``: check every case file and print one line per case."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else default_folder()
    files = sorted(folder.glob("p*.toml"))
    if not files:
        print(f"no portfolio case (pNN.toml) in {folder}", file=sys.stderr)
        return 1
    failed = 0
    for path in files:
        try:
            case = load_case(path)
        except PortfolioDataError as exc:
            print(f"FAIL {exc}", file=sys.stderr)
            failed += 1
            continue
        key = measures_key(case)
        first, last = case.measured_sessions[0], case.measured_sessions[-1]
        print(f"ok   {path.name}: {case.client.name}, {case.planned_sessions} sessions, {len(case.people)} people, "
              f"PHQ-9 {key['phq9'][first][0]} -> {key['phq9'][last][0]}, item 9 above 0 at {key['item9'] or 'none'}")
    print(f"{len(files)} case file(s), {failed} with errors")
    return 1 if failed else 0


def _main(argv: list[str]) -> int:
    """``check [FOLDER]``: what ``ipt-course check-data --corpus portfolio`` runs (see ``ipt_lib.corpus.CORPORA``)."""
    if not argv or argv[0] != "check":
        print("usage: check [FOLDER]")
        return 2
    return main(argv[1:])

if __name__ == "__main__":
    raise SystemExit(main())
