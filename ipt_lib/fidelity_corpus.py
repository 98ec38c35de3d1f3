"""The fidelity excerpts (data/fidelity/fNN.toml) as a corpus: their schema, how a file becomes an
:class:`~ipt_lib.fidelity.Excerpt`, and the check command (``ipt-course check-data --corpus fidelity``, or
``python -m ipt_lib.fidelity_corpus check [FOLDER]``), read through :mod:`ipt_lib.corpus` like the other corpora.
``ipt_lib.fidelity.load_excerpt`` and ``load_excerpts`` read through :data:`CORPUS`."""

from __future__ import annotations

import sys
from pathlib import Path

from .corpus import Corpus, Field, Fields, Schema, read_named
from .fidelity import (_ID, MAX_TURNS, MIN_TURNS, PHASES, SPEAKERS, USES, Client, Excerpt, FidelityDataError, Turn,
                       _shown_key, default_folder, load_form)

CLIENT = Schema((
    Field("name", "the client's first name (invented)", verbatim=True),
    Field("age", "a whole number", kind="whole", low=1, high=110),
    Field("pronouns", "e.g. she/her, he/him, they/them", verbatim=True),
    Field("background", "culture, family, work: specific, not stereotyped", verbatim=True),
))
TURN = Schema((
    Field("n", "the turn's number: 1, 2, 3, ... in file order", kind="any"),
    Field("speaker", "therapist or client", kind="choice", choices=SPEAKERS),
    Field("text", "what is said", verbatim=True),
))
SCHEMA = Schema((
    Field("id", "F and two digits, the file's name (F08 in f08.toml)", verbatim=True),
    Field("title", "short, neutral", verbatim=True),
    Field("use", "practice (its key and a worked rating are shown) or graded (its key is instructor-only)",
          kind="choice", choices=USES),
    Field("problem_area", "grief, role dispute, role transition, interpersonal deficits", kind="any"),
    Field("dispute_stage", "renegotiation, impasse or dissolution: required for a role dispute, absent otherwise",
          kind="any", required=False),
    Field("phase", "initial, middle, ending", kind="choice", choices=PHASES),
    Field("session", "this session's number, at most planned_sessions", kind="whole", low=1, high=30),
    Field("planned_sessions", "the planned course length", kind="whole", low=1, high=30),
    Field("setting", "where the session takes place", verbatim=True),
    Field("client", "who the client is: { name, age, pronouns, background }", kind="table", fields=CLIENT),
    Field("condition", "what the client is treated for", verbatim=True),
    Field("summary", "context a rater may read; no ratings", verbatim=True),
    Field("content_note", "required if the summary or a turn touches suicide, self-harm, violent death or trauma",
          required=False, verbatim=True),
    Field("turns", f"{MIN_TURNS}-{MAX_TURNS} [[turns]] tables, n = 1, 2, 3, ... in file order", kind="tables",
          fields=TURN),
    Field("key", "the expert rating per dimension, with lapses (read by ipt_lib.course.fidelity_key; shown to "
                 "students only for a practice excerpt)", kind="any", required=False),
    Field("worked_rating", "practice only: { text } the worked rating shown after the key", kind="any",
          required=False),
))


def _validate(path: Path, raw: dict) -> Excerpt:
    """One ``fNN.toml`` as an Excerpt. A graded file's ``[key]`` is not read: it stays on the instructor's side."""
    from .content_notes import missing_note_problem, sensitive_phrase
    from .problem_areas import DisputeStage, ProblemArea

    values, fail = read_named(path, raw, SCHEMA, FidelityDataError, _ID, "excerpt")
    ident = values["id"]
    use = values["use"]
    try:
        area = ProblemArea.parse(values["problem_area"]).value
    except ValueError as exc:
        fail("problem_area", str(exc))
    stage = values["dispute_stage"]
    if (stage is None) != (area != "role dispute"):
        fail("dispute_stage", "required for a role dispute, and only for one")
    if stage is not None:
        try:
            stage = DisputeStage.parse(stage).value
        except ValueError as exc:
            fail("dispute_stage", str(exc))
    phase, planned, session = values["phase"], values["planned_sessions"], values["session"]
    if session > planned:
        fail("session", f"session {session} is after the last planned session ({planned})")
    turns_raw = values["turns"]
    if not isinstance(turns_raw, list) or not all(isinstance(t, dict) for t in turns_raw):
        fail("turns", "must be a list of [[turns]] tables")
    if not MIN_TURNS <= len(turns_raw) <= MAX_TURNS:
        fail("turns", f"expected {MIN_TURNS} to {MAX_TURNS} turns, got {len(turns_raw)}")
    turns = []
    for i, t in enumerate(turns_raw, 1):
        turn = Fields(t, fail, f"turns[{i}].").read(TURN)
        if isinstance(turn["n"], bool) or turn["n"] != i:
            fail(f"turns[{i}].n", f"expected {i} (turns are numbered 1, 2, 3, ... in order), got {turn['n']!r}")
        turns.append(Turn(i, turn["speaker"], turn["text"]))
    summary = values["summary"]
    note = values["content_note"] or None
    phrase = sensitive_phrase(summary, *(t.text for t in turns))
    if phrase and not note:
        fail("content_note", missing_note_problem(phrase, "the excerpt"))
    numbers = {t.n for t in turns}
    c = values["client"]
    return Excerpt(
        id=ident, title=values["title"], use=use, problem_area=area, dispute_stage=stage, phase=phase,
        session=session, planned_sessions=planned,
        client=Client(c["name"], c["age"], c["pronouns"], c["background"]),
        setting=values["setting"], condition=values["condition"], summary=summary,
        content_note=note, turns=tuple(turns),
        shown_key=_shown_key(path, raw, numbers) if use == "practice" else None)


def _check_report(good: list[Excerpt]) -> list[str]:
    uses = {u: sum(e.use == u for e in good) for u in USES}
    return [f"{len(good)} excerpts: {', '.join(f'{n} {u}' for u, n in uses.items())}; "
            f"areas: {', '.join(sorted({e.problem_area for e in good}))}"]


def _form_check(folder: Path) -> tuple[list[str], bool]:
    """After the excerpts: the rating form beside them (form.toml)."""
    try:
        load_form(folder / "form.toml")
    except FidelityDataError as exc:
        return [f"ERROR {exc}"], True
    return ["form.toml: the rating form reads"], False


def _main(argv: list[str]) -> int:
    """``check [FOLDER]``: every excerpt's errors, then the rating form."""
    folder = Path(argv[1]) if len(argv) > 1 else default_folder()
    return CORPUS.main(argv, {"check": _check_report}, after=lambda good: _form_check(folder))


CORPUS = Corpus("excerpt", "fidelity excerpts", "fidelity", "ipt_lib.fidelity", FidelityDataError, _validate,
                packaged=False, source=lambda e: f"{e.id.lower()}.toml",  # an excerpt's id is its file's name
                require_files=True, pattern="f[0-9][0-9].toml", locate=True)


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
