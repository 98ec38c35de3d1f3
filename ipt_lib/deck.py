"""Cases as a student sees them: readable cards, and feedback on practice items.

A *deck* is a JSON file made from the vignette corpus for one notebook.  Practice
cases carry their answers; graded cases carry only what a student may read.

>>> deck = practice_deck()            # the practice cases shipped with ipt_lib
>>> card = deck.card(deck.case_ids[0])  # shows as a card in Jupyter
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import StudentFacingError
from .problem_areas import ProblemArea, ProblemAreaError

__all__ = ["Deck", "DeckError", "Card", "Feedback", "load_deck", "practice_deck", "show_area", "AreaCard"]

_STYLE = ("border:1px solid #8a8a8a; border-radius:8px; padding:12px 16px; margin:8px 0; max-width:46em; "
    "font-family:system-ui,-apple-system,'Segoe UI',sans-serif; line-height:1.5; color:#1b1b1b; background:#fcfcfc")
_BADGE = "display:inline-block;border:1px solid #aaa;border-radius:10px;padding:0 8px;margin:0 4px 4px 0;font-size:0.85em"


class DeckError(StudentFacingError):
    title = "Case not found"


@dataclass(frozen=True)
class Card:
    """One case shown as a card (HTML in Jupyter, plain text elsewhere)."""

    case: dict
    show_cues: bool = False

    def _repr_html_(self) -> str:
        c = self.case
        badges = "".join(
            f"<span style='{_BADGE}'>{html.escape(str(c[k]))}</span>"
            for k in ("population", "age_band", "condition", "setting") if c.get(k)
        )
        note = (f"<p style='font-size:0.9em'><b>Content note:</b> {html.escape(c['content_note'])}</p>"
                if c.get("content_note") else "")
        paragraphs = "".join(f"<p>{self._mark(p)}</p>" for p in re.split(r"\n\s*\n", c["text"].strip()))
        return (
            f"<div class='ipt-card' style=\"{_STYLE}\">"
            f"<div style='font-size:0.8em;color:#555'>Case {html.escape(c['case'])} · {html.escape(c['id'])}</div>"
            f"<h3 style='margin:4px 0'>{html.escape(c['title'])}</h3><div>{badges}</div>{note}{paragraphs}</div>"
        )

    def _mark(self, paragraph: str) -> str:
        text = html.escape(" ".join(paragraph.split()))
        if self.show_cues:
            for cue in self.case.get("cues", []):
                text = text.replace(html.escape(cue), f"<mark>{html.escape(cue)}</mark>")
        return text

    def __str__(self) -> str:
        c = self.case
        meta = " · ".join(str(c[k]) for k in ("population", "age_band", "condition", "setting") if c.get(k))
        note = f"Content note: {c['content_note']}\n\n" if c.get("content_note") else ""
        return f"Case {c['case']} ({c['id']}): {c['title']}\n[{meta}]\n\n{note}{c['text'].strip()}"

    __repr__ = __str__


@dataclass(frozen=True)
class Feedback:
    """Immediate feedback on one practice answer."""

    case: str
    correct: bool | None
    message: str
    details: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        colour = {True: "#1a7f37", False: "#b35900", None: "#555"}[self.correct]
        symbol = {True: "✔", False: "✘", None: "…"}[self.correct]
        items = "".join(f"<li>{html.escape(d)}</li>" for d in self.details)
        return (f"<div class='ipt-feedback' style='border-left:4px solid {colour};padding:4px 12px;max-width:46em'>"
                f"<b style='color:{colour}'>{symbol} Case {html.escape(self.case)}:</b> {html.escape(self.message)}"
                f"{'<ul>' + items + '</ul>' if items else ''}</div>")

    def __str__(self) -> str:
        lines = [f"Case {self.case}: {self.message}"] + [f"  - {d}" for d in self.details]
        return "\n".join(lines)

    __repr__ = __str__


class Deck:
    """The cases of one notebook, in order; look them up by case number ("1", "P2")."""

    def __init__(self, cases: list[dict], name: str = ""):
        self.name = name
        self._cases = {c["case"]: c for c in cases}

    @property
    def case_ids(self) -> list[str]:
        return list(self._cases)

    def __len__(self) -> int:
        return len(self._cases)

    def __getitem__(self, case: str) -> dict:
        key = str(case).strip()
        if key.upper() in self._cases:
            key = key.upper()
        if key not in self._cases:
            raise DeckError(f"There is no case {case!r} here. The cases are: {', '.join(self._cases)}.")
        return dict(self._cases[key])

    def card(self, case: str, *, show_cues: bool = False) -> Card:
        """The case as a readable card. ``show_cues`` highlights the cues (practice cases only)."""
        record = self[case]
        if show_cues and record["kind"] != "practice":
            raise DeckError(f"Case {case} is graded: its cues are shown only in feedback after grading.")
        return Card(record, show_cues=show_cues)

    def check(self, case: str, answer: object) -> Feedback:
        """Immediate, specific feedback on a practice case; graded cases get none before grading."""
        record = self[case]
        if record["kind"] != "practice":
            raise DeckError(f"Case {record['case']} is graded: you get feedback on it after grading, not now.")
        if isinstance(answer, str) and not answer.strip():
            return Feedback(record["case"], None, "Type your answer between the quotes, then run this cell again.")
        try:
            chosen = ProblemArea.parse(answer)
        except ProblemAreaError as exc:
            return Feedback(record["case"], None, str(exc))
        expected = ProblemArea(record["primary_area"])
        cues = tuple(f"cue: “{cue}”" for cue in record["cues"])
        if chosen is expected:
            extra = []
            if record.get("secondary_area"):
                extra.append(f"A secondary area is present too: {record['secondary_area']}.")
            if record.get("dispute_stage"):
                extra.append(f"Dispute stage: {record['dispute_stage']}.")
            return Feedback(record["case"], True, f"Yes: {expected.label}. {record['rationale']}",
                            tuple(extra) + cues)
        hint = _confusion_hint(chosen, expected)
        return Feedback(record["case"], False,
                        f"Not quite: you chose {chosen.label}. {hint} Read the case again and try once more.",
                        ("Look again at what happened close to the time the symptoms began.",))

    def reveal(self, case: str) -> Feedback:
        """The answer and rationale of a practice case (for when you are stuck)."""
        record = self[case]
        if record["kind"] != "practice":
            raise DeckError(f"Case {record['case']} is graded: its answer is not available.")
        return self.check(case, record["primary_area"])

    def frame(self):
        """The cases as a pandas DataFrame of the fields a student may see."""
        import pandas as pd

        keep = ("case", "id", "kind", "title", "population", "age_band", "condition", "setting")
        return pd.DataFrame([{k: c.get(k) for k in keep} for c in self._cases.values()]).set_index("case")


def _confusion_hint(chosen: ProblemArea, expected: ProblemArea) -> str:
    """A hint that points at the distinction missed, without naming the expected area."""
    g, d, t, x = (ProblemArea.GRIEF, ProblemArea.ROLE_DISPUTE, ProblemArea.ROLE_TRANSITION,
                  ProblemArea.INTERPERSONAL_DEFICITS)
    if chosen is g:
        return ("Grief is chosen when the depression is tied to a death. Is there a death, and is it what keeps the "
                "symptoms going? A loss that is not a death is filed elsewhere in classic IPT (Weissman et al., 2018; ISIPT, n.d.-b).")
    if chosen is x:
        return ("Interpersonal deficits is the residual category, used only when no other area applies. Withdrawal "
                "that followed a life event is not deficits: how did this person get on with others before (Weissman et al., 2018; Markowitz, 2016)?")
    if chosen is d and expected is t:
        return ("Is there really a person whose expectations clash with the client's, or is the conflict a side "
                "effect of a change the client is struggling with (Weissman et al., 2018; ISIPT, n.d.-b)?")
    if chosen is d:
        return ("A role dispute needs non-reciprocal expectations with a particular person that keep the "
                "symptoms going (Weissman et al., 2018; ISIPT, n.d.-b). Is the conflict the focus, or a distractor?")
    if chosen is t and expected is d:
        return ("A change did happen, but look at what came closest to symptom onset and what matters most to the "
                "client now: is there a person whose expectations do not match theirs (Weissman et al., 2018)?")
    return ("A role transition is a change of life circumstances from one role to another (ISIPT, n.d.-b; Markowitz, 2016). Does the "
            "story hinge on such a change, or on something else?")


def load_deck(path: str | Path) -> Deck:
    """Read a deck file such as ``cases.json`` next to an assignment notebook."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cases = data["cases"]
    except FileNotFoundError:
        raise DeckError(f"The case file {path} is missing. It comes with the assignment: fetch the "
                        "assignment again, or ask your instructor.") from None
    except (ValueError, KeyError, TypeError):
        raise DeckError(f"The case file {path} is damaged (not a deck). Fetch the assignment again.") from None
    return Deck(cases, name=str(data.get("name", path.stem)))


def practice_deck() -> Deck:
    """The practice cases that come with ipt_lib (answers included: they are for practice)."""
    raw = resources.files("ipt_lib").joinpath("_data/practice_cases.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    return Deck(data["cases"], name=data.get("name", "practice"))


@dataclass(frozen=True)
class AreaCard:
    area: ProblemArea

    def _repr_html_(self) -> str:
        info = self.area.info

        def items(values) -> str:
            return "".join(f"<li>{html.escape(v)}</li>" for v in values)

        stages = ""
        if self.area.stages:
            stages = "<b>Stages</b><ul>" + "".join(
                f"<li><b>{s.label}</b>: {html.escape(s.description)} Work: {html.escape(s.work)}</li>"
                for s in self.area.stages) + "</ul>"
        notes = f"<b>Notes</b><ul>{items(info.notes)}</ul>" if info.notes else ""
        return (f"<div class='ipt-area' style=\"{_STYLE}\"><h3 style='margin:4px 0'>{self.area.label.capitalize()}"
                f"</h3><p>{html.escape(info.definition)}</p><b>Typical cues</b><ul>{items(info.cues)}</ul>"
                f"<b>Goals</b><ul>{items(info.goals)}</ul><b>Strategies</b><ul>{items(info.strategies)}</ul>"
                f"{stages}{notes}<div style='font-size:0.8em;color:#555'>Source: {html.escape(info.sources)}</div></div>")

    def __str__(self) -> str:
        info = self.area.info
        return f"{self.area.label}: {info.definition} {info.sources}"

    __repr__ = __str__


def show_area(area: str | ProblemArea) -> AreaCard:
    """A summary card of one problem area: definition, cues, goals, strategies (and stages for disputes)."""
    return AreaCard(area if isinstance(area, ProblemArea) else ProblemArea.parse(area))
