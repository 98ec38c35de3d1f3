"""Deliberate-practice drills as a student sees them, and the format self-check of a reply.

A drill (``data/drills/dNN.toml``, schema in its README) is one client moment: context, the client's words and,
where needed, a content note. The student writes the therapist's next words. This module reads only what a
student may see before answering; the rubric and the model replies are read on the instructor's side
(``ipt_lib.course.drill_feedback``) and reach the student in feedback after grading.

``self_check(reply, drill)`` checks the format only (length, spoken to the client, no technique labels) and never
comments on the content.

>>> drill = load_drill(default_folder() / "d03.toml")
>>> self_check("Have you had thoughts of ending your life?", drill).ok
True
>>> print(self_check("I would use direct elicitation here.", drill))  # doctest: +ELLIPSIS
D03: ...
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .corpus import Corpus, Field, Schema, read_named
from .errors import StudentFacingError

__all__ = ["Drill", "SelfCheckRules", "SelfCheck", "DrillDataError", "load_drill", "load_drills", "default_folder",
           "write_public", "load_public", "self_check", "drill_html", "reply_words", "saved_reply", "check_saved_reply",
           "NO_ANSWER"]

PHASES = ("initial", "middle", "ending")
_ID = re.compile(r"^D\d{2}$")
_PARENS = re.compile(r"\([^()]*\)")
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_SECOND_PERSON = re.compile(r"\byou(?:r|rs|rself|rselves)?\b", re.IGNORECASE)
_STYLE = ("border:1px solid #8a8a8a; border-radius:8px; padding:12px 16px; margin:8px 0; max-width:46em; "
          "font-family:system-ui,-apple-system,'Segoe UI',sans-serif; line-height:1.5; color:#1b1b1b; "
          "background:#fcfcfc")


class DrillDataError(StudentFacingError):
    """A drill file (or the shipped drills file) is missing, damaged or off-schema; names the file and field."""

    title = "Drill file problem"

    def __init__(self, path: Path | str, field_name: str, problem: str, line: int | None = None):
        self.path, self.field, self.problem, self.line = Path(path), field_name, problem, line
        super().__init__(f"{self.path.name}, {field_name}: {problem}" + (f" (line {line})" if line else ""))


@dataclass(frozen=True)
class SelfCheckRules:
    min_words: int
    max_words: int
    second_person: bool
    banned_terms: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Drill:
    """A drill as a student sees it before answering: no rubric, no model replies."""

    id: str
    title: str
    phase: str
    problem_area: str | None
    context: str
    client_says: str
    content_note: str | None
    self_check: SelfCheckRules

    def _repr_html_(self) -> str:
        return drill_html(self)

    def __str__(self) -> str:
        note = f"Content note: {self.content_note}\n\n" if self.content_note else ""
        return f"{self.id}: {self.title}\n{note}{' '.join(self.context.split())}\n\nClient: {self.client_says}"


@dataclass(frozen=True)
class SelfCheck:
    """The result of the format self-check: problems as sentences, and the rule's note."""

    drill_id: str
    words: int
    problems: tuple[str, ...]
    note: str

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        head = (f"{self.drill_id}: the format is fine ({self.words} words)." if self.ok else
                f"{self.drill_id}: check the format of your reply:")
        return "\n".join([head] + [f"  - {p}" for p in self.problems] + [self.note])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b35900"
        head = str(self).split("\n")[0]
        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
        return (f"<div class='ipt-feedback' role='status' style='border-left:4px solid {colour};padding:4px 12px;"
                f"max-width:46em'><b style='color:{colour}'>{html.escape(head)}</b>"
                f"{'<ul>' + items + '</ul>' if items else ''}<p style='font-size:0.9em'>{html.escape(self.note)}</p>"
                "</div>")


# --- reading -------------------------------------------------------------------------------------------------

def default_folder() -> Path:
    """data/drills in a checkout of the course repository (course source: not packaged)."""
    return Path(__file__).resolve().parent.parent / "data" / "drills"


# --- schema and validation: data/drills/dNN.toml, read through ipt_lib.corpus --------------------------------------

SELF_CHECK = Schema((
    Field("min_words", "the fewest words a reply may have", kind="whole", low=0, high=1000),
    Field("max_words", "the most words a reply may have", kind="whole", low=0, high=1000),
    Field("second_person", "true: the reply must speak to the client as 'you'", kind="any"),
    Field("banned_terms", "technique labels and jargon a reply must not use", kind="any"),
    Field("note", "the sentence the student reads with the result", verbatim=True,
          missing="missing: the sentence the student reads with the result"),
))
SCHEMA = Schema((
    Field("id", "D and two digits, the file's name (D11 in d11.toml)", verbatim=True),
    Field("title", "who and when: 'Colm, session 3: lying awake'", verbatim=True),
    Field("phase", "initial, middle, ending", kind="choice", choices=PHASES),
    Field("problem_area", "optional: grief, role dispute, role transition, interpersonal deficits", kind="any",
          required=False),
    Field("context", "what the therapist knows at this moment", verbatim=True),
    Field("client_says", "the client's words the student replies to", verbatim=True),
    Field("content_note", "required if the context or the words touch suicide, self-harm, violent death or trauma",
          required=False, verbatim=True),
    Field("self_check", "the format rules a reply is checked against (the same in every drill)", kind="table",
          fields=SELF_CHECK, missing="missing: copy the [self_check] table from another drill"),
    Field("rubric", "feedback only: fits, must, must_not, points, then (read by ipt_lib.course.drill_feedback)",
          kind="any", required=False),
    Field("models", "feedback only: two [[models]] with reply and why (read by ipt_lib.course.drill_feedback)",
          kind="any", required=False),
))


def _rules(path: Path, rules: dict) -> SelfCheckRules:
    if rules["min_words"] > rules["max_words"]:
        raise DrillDataError(path, "self_check.min_words", "is larger than max_words")
    if not isinstance(rules["second_person"], bool):
        raise DrillDataError(path, "self_check.second_person", "expected true or false")
    terms = rules["banned_terms"]
    if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
        raise DrillDataError(path, "self_check.banned_terms", "expected a list of texts")
    return SelfCheckRules(rules["min_words"], rules["max_words"], rules["second_person"], tuple(terms), rules["note"])


def _validate(path: Path, raw: dict) -> Drill:
    from .content_notes import missing_note_problem, sensitive_phrase
    from .problem_areas import ProblemArea

    values, fail = read_named(path, raw, SCHEMA, DrillDataError, _ID, "drill")
    ident = values["id"]
    area = values["problem_area"]
    if area is not None:
        try:
            area = ProblemArea.parse(area).value
        except ValueError as exc:
            fail("problem_area", str(exc))
    context, says, note = values["context"], values["client_says"], values["content_note"] or None
    phrase = sensitive_phrase(context, says)
    if phrase and not note:
        fail("content_note", missing_note_problem(phrase, "the drill"))
    return Drill(ident, values["title"], values["phase"], area, context, says, note,
                 _rules(path, values["self_check"]))


def _main(argv: list[str]) -> int:
    """``check [FOLDER]``: every drill's errors and the phases they cover."""
    def report(good: list[Drill]) -> list[str]:
        phases = {p: sum(d.phase == p for d in good) for p in PHASES}
        return [f"{len(good)} drills: {', '.join(f'{n} {p}' for p, n in phases.items())}"]

    return CORPUS.main(argv, {"check": report})


CORPUS = Corpus("drill", "drills", "drills", "ipt_lib.drills", DrillDataError, _validate, packaged=False,
                source=lambda d: f"{d.id.lower()}.toml",  # a drill's id is its file's name
                require_files=True, pattern="d[0-9][0-9].toml", locate=True)


def load_drill(path: Path | str) -> Drill:
    """Read and check the public fields of one ``dNN.toml`` (the rubric and models are not read here)."""
    return CORPUS.load(path)


def load_drills(folder: Path | str | None = None) -> tuple[Drill, ...]:
    """Every ``dNN.toml`` in ``folder`` (default: data/drills), in id order."""
    return tuple(CORPUS.load_all(folder))


def write_public(path: Path | str, drills: tuple[Drill, ...] | None = None, name: str = "drills") -> Path:
    """Write the drills' public fields as the JSON an assignment ships (built from :class:`Drill` records only)."""
    from dataclasses import asdict

    drills = drills if drills is not None else load_drills()
    path = Path(path)
    path.write_text(json.dumps({"name": name, "drills": [asdict(d) for d in drills]}, indent=1, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    return path


def load_public(path: Path | str = "drills.json") -> dict[str, Drill]:
    """The shipped drills by id (in a student's kernel: no TOML, no data folder)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        drills = {}
        for r in data["drills"]:
            c = r["self_check"]
            rules = SelfCheckRules(int(c["min_words"]), int(c["max_words"]), bool(c["second_person"]),
                                   tuple(c["banned_terms"]), c["note"])
            drills[r["id"]] = Drill(r["id"], r["title"], r["phase"], r.get("problem_area"), r["context"],
                                    r["client_says"], r.get("content_note"), rules)
    except FileNotFoundError:
        raise DrillDataError(path, "(file)", "the file is missing. It comes with the assignment: fetch the "
                             "assignment again, or ask your instructor.") from None
    except (ValueError, KeyError, TypeError):
        raise DrillDataError(path, "(file)", "the file is damaged. Fetch the assignment again.") from None
    return drills


# --- the self-check ------------------------------------------------------------------------------------------

def _spoken(reply: str) -> str:
    """The reply without stage directions in parentheses (innermost first, so nested ones go too)."""
    previous = None
    while previous != reply:
        previous, reply = reply, _PARENS.sub(" ", reply)
    return reply


def reply_words(reply: str) -> int:
    """The number of words the reply would say aloud: words in parentheses are stage directions.

    >>> reply_words("(waits) Take your time. What's it like?")
    6
    """
    return len(_WORD.findall(_spoken(reply)))


def _banned(term: str) -> re.Pattern:
    words = [re.escape(w) for w in re.split(r"[\s-]+", term.strip()) if w]
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?![\w-])", re.IGNORECASE)


def self_check(reply: object, drill: Drill) -> SelfCheck:
    """Check the format of a reply against the drill's ``[self_check]``: each problem is a plain sentence."""
    rules = drill.self_check
    if reply is Ellipsis or reply is None or (isinstance(reply, str) and not reply.strip()):
        return SelfCheck(drill.id, 0, ("There is no reply yet. Write the words you would say to the client between "
                                       "the quotes, then run this cell again.",), rules.note)
    if not isinstance(reply, str):
        return SelfCheck(drill.id, 0, (f"Your reply should be text in quotes, not {type(reply).__name__}. Write it "
                                       'as reply = "..." and run the cell again.',), rules.note)
    spoken = _spoken(reply)
    count = len(_WORD.findall(spoken))
    problems = []
    if count < rules.min_words:
        problems.append("Your reply has no spoken words outside the parentheses. Add the words you would say to "
                        "the client." if count == 0 else
                        f"Your reply is {count} words; write at least {rules.min_words}.")
    elif count > rules.max_words:
        problems.append(f"Your reply is {count} words; the limit is {rules.max_words}. Keep the words you would "
                        "actually say first.")
    if rules.second_person and count and not _SECOND_PERSON.search(spoken.replace("’", "'")):
        problems.append("Your reply does not speak to the client as 'you'. Say it to them, the way you would in "
                        "the session.")
    seen: set[tuple[int, int]] = set()
    for term in rules.banned_terms:
        found = _banned(term).search(spoken)
        if found and found.span() not in seen:  # "role play" and "role-play" name one slip once
            seen.add(found.span())
            problems.append(f"Your reply uses '{found.group(0)}'. Say it the way you would to the client, without "
                            "the label.")
    return SelfCheck(drill.id, count, tuple(problems), rules.note)


def drill_html(d: Drill) -> str:
    """A drill as a card: the content note first, then the context, then the client's words as a quotation."""
    esc = html.escape
    note = (f"<p role='note' style='font-size:0.9em;border-left:3px solid #8a5a00;padding-left:8px'>"
            f"<b>Content note:</b> {esc(d.content_note)}</p>" if d.content_note else "")
    meta = " · ".join(esc(v) for v in (d.id, f"{d.phase} phase", d.problem_area) if v)
    return (f"<section class='ipt-card ipt-drill' aria-label='Drill {esc(d.id)}' style=\"{_STYLE}\">{note}"
            f"<div style='font-size:0.8em;color:#555'>{meta}</div><h3 style='margin:4px 0'>{esc(d.title)}</h3>"
            f"<p>{esc(' '.join(d.context.split()))}</p>"
            f"<figure style='margin:8px 0'><figcaption><b>The client says:</b></figcaption>"
            f"<blockquote style='margin:4px 0 0 1em;padding-left:10px;border-left:3px solid #777'>"
            f"{esc(d.client_says)}</blockquote></figure></section>")


NO_ANSWER = "YOUR ANSWER HERE"  # what nbgrader leaves in an empty Markdown answer cell


def saved_reply(notebook: Path | str, cell_id: str) -> str | None:
    """The text of the Markdown answer cell ``cell_id`` as last saved in ``notebook`` (None: no such cell).

    A reply is written in a Markdown cell, which the kernel cannot see; the saved file is what is submitted."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == cell_id or cell.metadata.get("nbgrader", {}).get("grade_id") == cell_id:
            text = cell.source.replace(NO_ANSWER, "").strip()
            return text
    return None


def check_saved_reply(drill_id: str, notebook: Path | str, drills_file: Path | str = "drills.json") -> SelfCheck:
    """The self-check of the reply to ``drill_id`` as saved in ``notebook`` (its answer cell ``<ID>_answer``).

    Save the notebook first (Ctrl+S or Cmd+S): the check reads the saved file, as the grader will."""
    drill = load_public(drills_file).get(str(drill_id).upper())
    if drill is None:
        raise DrillDataError(drills_file, "drills", f"there is no drill {drill_id!r} in this assignment")
    try:
        text = saved_reply(notebook, f"{drill.id}_answer")
    except FileNotFoundError:
        raise DrillDataError(notebook, "(file)", "the notebook file is not here. Run this cell from the "
                             "assignment's folder.") from None
    if text is None:
        return SelfCheck(drill.id, 0, (f"The answer cell for {drill.id} is missing from the saved notebook. Undo "
                                       "the deletion, or fetch the assignment again.",), drill.self_check.note)
    result = self_check(text, drill)
    if not result.ok and not text:
        return SelfCheck(drill.id, 0, ("There is no reply in the saved notebook yet. Write it in the cell above, "
                                       "save the notebook (Ctrl+S or Cmd+S), then run this cell again.",),
                         drill.self_check.note)
    return result


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
