"""The fidelity exercise as cards in a notebook: an excerpt, the rating form, and the calibration key (practice
only). Plain HTML strings; the records' ``_repr_html_`` call these."""

from __future__ import annotations

import html
import re

from dataclasses import dataclass

from .fidelity import Excerpt, RatingForm, RatingFormatError

__all__ = ["excerpt_html", "form_html", "calibration_html", "CalibrationCard"]

_STYLE = ("border:1px solid #8a8a8a; border-radius:8px; padding:12px 16px; margin:8px 0; max-width:46em; "
          "font-family:system-ui,-apple-system,'Segoe UI',sans-serif; line-height:1.5; color:#1b1b1b; "
          "background:#fcfcfc")
_BADGE = ("display:inline-block;border:1px solid #aaa;border-radius:10px;padding:0 8px;margin:0 4px 4px 0;"
          "font-size:0.85em")
_STEP = re.compile(r"^\d+\. ")


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in re.split(r"\n\s*\n", text.strip()) if p)


def excerpt_html(e: Excerpt) -> str:
    """An excerpt as a card: the content note first, then the context, then the numbered turns as a list."""
    esc = html.escape
    stage = f" ({e.dispute_stage})" if e.dispute_stage else ""
    badges = "".join(f"<span style='{_BADGE}'>{esc(v)}</span>" for v in (
        f"{e.problem_area}{stage}", f"{e.phase} phase", f"session {e.session} of {e.planned_sessions}", e.setting,
        e.condition))
    note = (f"<p role='note' style='font-size:0.9em;border-left:3px solid #8a5a00;padding-left:8px'>"
            f"<b>Content note:</b> {esc(e.content_note)}</p>" if e.content_note else "")
    c = e.client
    turns = "".join(
        f"<li value='{t.n}' style='margin:4px 0'><b>{esc(t.speaker.capitalize())}:</b> {esc(t.text)}</li>"
        for t in e.turns)
    return (f"<section class='ipt-card ipt-excerpt' aria-label='Excerpt {esc(e.id)}' style=\"{_STYLE}\">{note}"
            f"<div style='font-size:0.8em;color:#555'>Excerpt {esc(e.id)} · {esc(e.use)}</div>"
            f"<h3 style='margin:4px 0'>{esc(e.title)}</h3><div>{badges}</div>"
            f"<p><b>{esc(c.name)}</b>, {c.age} ({esc(c.pronouns)}): {esc(c.background)}</p>{_paragraphs(e.summary)}"
            f"<ol aria-label='Turns' style='padding-left:2.5em'>{turns}</ol></section>")


def form_html(form: RatingForm) -> str:
    """The rating form: the instructions, then each dimension with its anchors as a numbered list (1 to 5)."""
    esc = html.escape
    steps = [s for s in re.split(r"\n(?=\d+\. )", form.how_to_rate.strip()) if s]
    how = "".join(f"<li>{esc(' '.join(_STEP.sub('', s).split()))}</li>" for s in steps)
    dims = "".join(
        f"<h4 style='margin:12px 0 4px'>{esc(d.name)} <code>{esc(d.id)}</code></h4><p>{esc(d.what)}</p>"
        f"<ol aria-label='Anchors for {esc(d.name)}'>"
        + "".join(f"<li value='{i}'><b>{i}</b>: {esc(a)}</li>" for i, a in enumerate(d.anchors, 1)) + "</ol>"
        for d in form.dimensions)
    phases = "".join(f"<dt><b>{esc(k)}</b></dt><dd>{esc(' '.join(v.split()))}</dd>" for k, v in form.phase_expectations)
    areas = "".join(f"<dt><b>{esc(k)}</b></dt><dd>{esc(v)}</dd>" for k, v in form.area_strategies)
    return (f"<section class='ipt-card ipt-form' aria-label='{esc(form.title)}' style=\"{_STYLE}\">"
            f"<h3 style='margin:4px 0'>{esc(form.title)}</h3><p>{esc(form.scale)}</p>"
            f"<h4>How to rate</h4><ol>{how}</ol>{dims}"
            f"<h4>What each phase calls for</h4><dl>{phases}</dl>"
            f"<h4>The work of each problem area</h4><dl>{areas}</dl>"
            f"<p style='font-size:0.85em;color:#555'>{esc(' '.join(form.basis.split()))}</p></section>")


def calibration_html(e: Excerpt, form: RatingForm) -> str:
    """The calibration excerpt's key and worked rating, shown before the graded excerpts (practice only)."""
    if e.shown_key is None:
        raise RatingFormatError(f"Excerpt {e.id} is graded: its key is not shown. Only the calibration excerpt's is.")
    esc = html.escape
    cell = "padding:6px 14px;text-align:left;vertical-align:top;border-bottom:1px solid #bbb"
    rows = "".join(
        f"<tr><th scope='row' style='{cell}'>{esc(form.dimension(d).name)}</th><td style='{cell}'>{score}</td>"
        f"<td style='{cell}'>{', '.join(map(str, turns))}</td><td style='{cell}'>{esc(why)}</td></tr>"
        for d, score, turns, why in e.shown_key.dimensions)
    head = "".join(f"<th scope='col' style='{cell}'>{h}</th>" for h in ("Dimension", "Score", "Turns", "Why"))
    return (f"<section class='ipt-card ipt-calibration' aria-label='Key for {esc(e.id)}' style=\"{_STYLE}\">"
            f"<table style='border-collapse:collapse'><caption style='text-align:left'><b>The key for {esc(e.id)}"
            f"</b></caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            f"<h4>A worked rating</h4>{_paragraphs(e.shown_key.worked_rating)}</section>")


@dataclass(frozen=True)
class CalibrationCard:
    """The calibration excerpt's key and worked rating as a notebook shows them (practice only)."""

    excerpt: Excerpt
    form: RatingForm

    def _repr_html_(self) -> str:
        return calibration_html(self.excerpt, self.form)

    def __str__(self) -> str:
        key = self.excerpt.shown_key
        if key is None:
            raise RatingFormatError(f"Excerpt {self.excerpt.id} is graded: its key is not shown.")
        rows = [f"{self.form.dimension(d).name}: {s} (turns {', '.join(map(str, t))}). {w}"
                for d, s, t, w in key.dimensions]
        return "\n".join([f"The key for {self.excerpt.id}"] + rows + ["", "A worked rating", key.worked_rating])

    __repr__ = __str__
