"""The final exam: items drawn per student from a bank, the same way in the student's notebook and in the grader.

Each question (slot) has a pool of items. A student's item for a slot is chosen by :func:`pick` from a seed
derived from the course, the student id and the slot, so the exam is the same every time that student opens it
and neighbours get different exams. The bank file (``exam_bank.json``) holds only what students may see; the answer
for every item of a pool is in the slot's hidden test, and the grader picks the student's item with the same
function (``ipt_lib.course.preprocessors``).

>>> pick("alice", "q1", ["E1", "E2", "E3"]) == pick("alice", "q1", ["E3", "E2", "E1"])
True
"""

from __future__ import annotations

import getpass
import hashlib
import html
import json
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import StudentFacingError

__all__ = ["pick", "load_exam", "Exam", "ExamError", "STUDENT_ENV", "ANSWER_KINDS", "read_answer"]

STUDENT_ENV = "IPT_EXAM_STUDENT"  # set by the grader at autograde; on a hub the login name is used
SEED_SALT = "ipt101/final-exam"
ANSWER_KINDS = ("area", "stage", "technique", "band", "yesno", "number", "choice")
CHOICES = "ABCD"  # the letters of a "choice" item's options, in order


class ExamError(StudentFacingError):
    title = "Exam"


def pick(student: str, slot: str, pool) -> str:
    """The item of ``pool`` (item ids) that ``student`` gets for ``slot``: deterministic, order-independent."""
    items = sorted(pool)
    if not items:
        raise ExamError(f"Question {slot} has no items in its pool.")
    digest = hashlib.sha256(f"{SEED_SALT}/{student.strip().casefold()}/{slot}".encode()).hexdigest()
    return items[random.Random(int(digest, 16)).randrange(len(items))]


def current_student(explicit: str | None = None) -> str:
    for value in (explicit, os.environ.get(STUDENT_ENV), os.environ.get("JUPYTERHUB_USER")):
        if value and value.strip():
            return value.strip()
    return getpass.getuser()


def read_answer(value: object, kind: str) -> object:
    """A student's answer in its canonical form (a label, True/False or a number), or a student-facing error."""
    if value is Ellipsis:
        raise ExamError("No answer yet: replace the ... with your answer.")
    if kind == "area":
        from .problem_areas import ProblemArea

        return ProblemArea.parse(value).label
    if kind == "stage":
        from .problem_areas import DisputeStage

        return DisputeStage.parse(value).label
    if kind == "technique":
        from .techniques import Technique

        return Technique.parse(value).label
    if kind == "band":
        from .measures import PHQ9

        if not isinstance(value, str):
            raise ExamError(f"{value!r}: write the band in quotes, such as \"mild\".")
        key = " ".join(value.casefold().replace("-", " ").replace("_", " ").replace("/", " ").split()).strip(" .!")
        for band in PHQ9.bands:
            words = {band.label, band.label.replace("-", " ")}
            if band.label == "none-minimal":
                words |= {"none", "minimal", "none minimal", "none or minimal", "no depression"}
            if key in words:
                return band.label
        raise ExamError(f"{value!r} is not a PHQ-9 band. Use one of: " + ", ".join(b.label for b in PHQ9.bands) + ".")
    if kind == "yesno":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().casefold() in ("yes", "y", "true"):
            return True
        if isinstance(value, str) and value.strip().casefold() in ("no", "n", "false"):
            return False
        raise ExamError(f"{value!r}: answer \"yes\" or \"no\" (in quotes), or True or False.")
    if kind == "choice":
        return _read_choice(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExamError(f"{value!r}: give a number without quotes, such as 12.")
        return float(value)
    raise ValueError(f"unknown answer kind {kind!r}")


_CHOICE = re.compile(r"\(?\s*(?:option\s+)?([a-z])\s*(?:[).:\-]\s*.*)?", re.IGNORECASE | re.DOTALL)


def _read_choice(value: object) -> str:
    """'B', ' b ', '(b)', 'B)', 'option B', 'B: the supervised cases' -> 'B'."""
    letters = ", ".join(CHOICES[:-1]) + " or " + CHOICES[-1]
    if not isinstance(value, str):
        raise ExamError(f"{value!r}: write the letter of your choice in quotes, such as \"B\".")
    found = _CHOICE.fullmatch(value.strip())
    if found is None:
        raise ExamError(f"{value!r} cannot be read as one option: write one letter ({letters}) in quotes.")
    letter = found.group(1).upper()
    if letter not in CHOICES:
        raise ExamError(f"{value!r}: {letter} is not one of the options. Write {letters}.")
    return letter


@dataclass
class Exam:
    bank: dict
    student: str

    @property
    def slots(self) -> list[str]:
        return list(self.bank["slots"])

    def item(self, slot: str) -> tuple[str, dict]:
        if slot not in self.bank["slots"]:
            raise ExamError(f"There is no question {slot!r}; the questions are {', '.join(self.slots)}.")
        items = self.bank["slots"][slot]["items"]
        chosen = pick(self.student, slot, items)
        return chosen, items[chosen]

    def variant(self) -> dict[str, str]:
        return {slot: self.item(slot)[0] for slot in self.slots}

    def show(self, slot: str) -> "ExamView":
        item_id, item = self.item(slot)
        spec = self.bank["slots"][slot]
        body = _render(item)
        return ExamView(f"<div class='ipt-exam-item' data-item='{html.escape(item_id)}' style=\"{_STYLE}\">"
                        f"<div style='font-size:0.8em;color:#555'>Question {html.escape(slot[1:])} · item "
                        f"{html.escape(item_id)}</div><p><b>{html.escape(spec['prompt'])}</b></p>{body}</div>")

    def check(self, slot: str, value: object) -> None:
        """Format check only: says how the answer reads, never whether it is right."""
        kind = self.bank["slots"][slot]["kind"]
        shown = read_answer(value, kind)
        print(f"Question {slot[1:]}: your answer reads as {shown!r}. (Format check only.)")

    def _repr_html_(self) -> str:
        return (f"<div class='ipt-exam'>Exam for <b>{html.escape(self.student)}</b>: "
                f"{len(self.slots)} questions. If this is not your login name, tell your instructor before you "
                "start.</div>")


class ExamView(str):
    def _repr_html_(self) -> str:
        return str(self)


_STYLE = "border:1px solid #bbb;border-radius:6px;padding:10px 14px;margin:6px 0;max-width:760px"


def _render(item: dict) -> str:
    if "text" in item:  # a vignette
        from .deck import Card

        return Card(dict(item, case=item.get("case", "")))._repr_html_()
    if "turns" in item:  # an excerpt of a session, the last turn is the one to label
        rows = []
        for turn in item["turns"]:
            who = "Therapist" if turn["speaker"] == "therapist" else item.get("client", "Client")
            style = "background:#fff3c4;" if turn is item["turns"][-1] else ""
            rows.append(f"<p style='{style}'><b>{html.escape(str(turn['number']))}. {html.escape(who)}:</b> "
                        f"{html.escape(turn['text'])}</p>")
        return f"<div><i>{html.escape(item.get('context', ''))}</i></div>" + "".join(rows)
    body = "<p>" + html.escape(item.get("question", "")) + "</p>"
    if "options" in item:  # a "choice" item: lettered options
        body += "".join(f"<p><b>{letter}.</b> {html.escape(text)}</p>" for letter, text in zip(CHOICES, item["options"]))
    return body


def load_exam(path: str | Path = "exam_bank.json", student: str | None = None) -> Exam:
    path = Path(path)
    try:
        bank = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExamError(f"{path.name} is missing: it must stay beside the exam notebook.") from None
    except (OSError, ValueError) as exc:
        raise ExamError(f"{path.name} cannot be read ({type(exc).__name__}); fetch the exam again.") from None
    return Exam(bank, current_student(student))
