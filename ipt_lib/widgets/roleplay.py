"""A branching role-play as buttons: the client's line, the therapist's choices, feedback, and a path summary.

The widget is a view over a :class:`~ipt_lib.roleplay.Session`. Every click is saved at once (atomically) to a
JSON progress file beside the notebook, and running the cell again reloads it, so a kernel restart or a reloaded
page loses nothing. Several scenarios can share one progress file.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import ipywidgets as w

from ..roleplay import MAX_CHOICES, Scenario, Session, SessionError, Step, find_scenario
from ..storage import StoredFileError

__all__ = ["RolePlayWidget", "roleplay_widget"]

_QUALITY_TEXT = {"good": "good", "acceptable": "acceptable", "poor": "worth another look"}
_QUALITY_COLOUR = {"good": "#1a7f37", "acceptable": "#8a6d00", "poor": "#b35900"}
# Buttons in ipywidgets are one line with an ellipsis; choices are sentences, so let them wrap.
_CSS = """<style>
.ipt-roleplay{max-width:54em}
.ipt-roleplay .widget-html-content{line-height:1.45}
.ipt-roleplay .ipt-rp-card{border:1px solid #ccc;border-radius:6px;padding:.5em .9em;margin-bottom:.5em}
.ipt-roleplay .ipt-rp-meta{color:#555;font-size:.9em}
.ipt-roleplay .ipt-rp-line{padding:.4em .6em;margin:.3em 0;border-radius:4px;line-height:1.45}
.ipt-roleplay .ipt-rp-said-client{background:#f7f7f2}
.ipt-roleplay .ipt-rp-said-therapist{background:#eef4fb}
.ipt-roleplay .ipt-rp-note{font-size:.9em;margin:.1em 0 .6em 1.2em;color:#333}
.ipt-roleplay .ipt-rp-client{font-size:1.05em}
.ipt-roleplay .ipt-rp-client .ipt-rp-line{border-left:4px solid #999}
.ipt-roleplay button.ipt-rp-choice{white-space:normal !important;height:auto !important;min-height:2.4em;
  text-align:left !important;line-height:1.4;padding:.45em .8em;margin:.2em 0;width:100%;max-width:50em;
  justify-content:flex-start}
.ipt-roleplay .ipt-rp-feedback .ipt-rp-box{border-left:4px solid;padding:.3em .7em;margin:.4em 0;background:#fafafa}
.ipt-roleplay .ipt-rp-summary{border:2px solid #37474f;border-radius:6px;padding:.4em .9em;margin-top:.4em}
.ipt-roleplay .ipt-rp-summary table{border-collapse:collapse}
.ipt-roleplay .ipt-rp-summary td,.ipt-roleplay .ipt-rp-summary th{padding:.15em .5em;text-align:left;
  vertical-align:top;border-bottom:1px solid #ddd}
</style>"""


class RolePlayWidget:
    """Play ``session``'s scenario by clicking; every click is saved to ``path`` (if given)."""

    def __init__(self, session: Session, path: str | Path | None = None, *, notice: str = ""):
        self.session = session
        self.path = Path(path) if path else None
        s = session.scenario
        self.header = w.HTML(_CSS + self._header_html())
        self.status = w.HTML()
        self.transcript = w.HTML()
        self.feedback = w.HTML()
        self.client = w.HTML()
        self.buttons = [w.Button(layout=w.Layout(width="100%", height="auto")) for _ in range(MAX_CHOICES)]
        for i, button in enumerate(self.buttons, 1):
            button.add_class("ipt-rp-choice")
            button.on_click(lambda _, number=i: self.choose(number))
        self.choices = w.VBox(self.buttons)
        self.summary = w.HTML()
        self.restart_button = w.Button(description="Start again", icon="refresh",
                                       tooltip="Go back to the first line (your path so far is kept as an earlier run "
                                               "if you reached an ending)")
        self.message = w.HTML()
        for widget, cls in ((self.header, "ipt-rp-header"), (self.status, "ipt-rp-status"),
                            (self.transcript, "ipt-rp-transcript"), (self.feedback, "ipt-rp-feedback"),
                            (self.client, "ipt-rp-client"), (self.choices, "ipt-rp-choices"),
                            (self.summary, "ipt-rp-summary"), (self.restart_button, "ipt-rp-restart"),
                            (self.message, "ipt-rp-message")):
            widget.add_class(cls)
        self.feedback.add_class("ipt-live")        # announced when it changes (see keys.py)
        self.message.add_class("ipt-live")
        self.client.add_class("ipt-focus-target")  # focus lands here after a choice
        self.restart_button.on_click(lambda _: self.restart())
        self.view = w.VBox([self.header, self.status, self.transcript, self.feedback, self.client, self.choices,
                            self.summary, self.restart_button, self.message])
        self.view.add_class("ipt-roleplay")
        self.view.add_class(f"ipt-rp-{s.id}")
        if notice:
            self._say(notice, ok=False)
        self.refresh(save=False)

    # --- actions -------------------------------------------------------------
    def choose(self, number: int) -> Step | None:
        """Take choice ``number`` (from 1), save, and redraw."""
        try:
            step = self.session.choose(number)
        except SessionError as exc:
            self._say(str(exc), ok=False)
            return None
        self.message.value = ""
        self.refresh()
        # Focus moves to what the client says next, so a second Enter cannot pick an option the student has not
        # read (the button under the focus has new text now); Tab reaches the new choices.
        self.client.focus()
        return step

    def restart(self) -> None:
        self.session.restart()
        self.refresh()
        self._say("Started again from the first line.")
        self.client.focus()  # the first line again; Tab reaches the first choice

    # --- views ---------------------------------------------------------------
    def _say(self, text: str, ok: bool = True) -> None:
        colour = "#1a7f37" if ok else "#b35900"
        role = "status" if ok else "alert"
        self.message.value = f"<div role='{role}' style='color:{colour}'>{html.escape(text)}</div>"

    def refresh(self, save: bool = True) -> None:
        if self.path is not None:
            if save:
                try:
                    self.session.save(self.path)
                except StoredFileError as exc:
                    self._say(str(exc), ok=False)
                else:
                    self.status.value = (f"<small>Progress saved to <code>{html.escape(self.path.name)}</code> at "
                                         f"{time.strftime('%H:%M:%S')}. Run this cell again to pick up where you "
                                         "left off.</small>")
            elif not self.status.value:
                self.status.value = (f"<small>Progress is saved to <code>{html.escape(self.path.name)}</code> after "
                                     "every click.</small>")
        session, node = self.session, self.session.node
        self.transcript.value = self._transcript_html()
        last = session.last
        self.feedback.value = _feedback_html(last) if last else (
            "<div class='ipt-rp-meta'>Read the setup and the client's line, then choose how you would respond. "
            "Each response shows the technique it uses and feedback.</div>")
        name = html.escape(session.scenario.client.name)
        lines = []
        if last and last.reply:
            lines.append(html.escape(last.reply))
        lines.append(html.escape(node.client))
        self.client.value = (f"<div class='ipt-rp-line ipt-rp-said-client'><b>{name}:</b> "
                             + "<br>".join(lines) + "</div>")
        for i, button in enumerate(self.buttons):
            if i < len(node.choices):
                choice = node.choices[i]
                button.description = f"{i + 1}. {choice.text}"
                button.tooltip = choice.text
                button.layout.display = None
            else:
                button.description, button.tooltip = "", ""
                button.layout.display = "none"
        self.choices.layout.display = "none" if node.is_end else None
        if node.is_end:
            self.summary.value = _summary_html(session)
            self.summary.layout.display = None
        else:
            self.summary.value = ""
            self.summary.layout.display = "none"

    def _header_html(self) -> str:
        s: Scenario = self.session.scenario
        e = html.escape
        meta = [s.problem_area.label + (f" ({s.dispute_stage.label})" if s.dispute_stage else ""),
                f"{s.phase.label} phase", f"{s.client.name}, {s.client.age} ({s.client.pronouns})"]
        note = f"<div class='ipt-rp-meta'><b>Content note:</b> {e(s.content_note)}</div>" if s.content_note else ""
        return (f"<div class='ipt-rp-card'><h4 style='margin:.2em 0'>{e(s.id)}: {e(s.title)}</h4>"
                f"<div class='ipt-rp-meta'>{e(' · '.join(meta))}</div>{note}"
                f"<div class='ipt-rp-meta'>{e(s.client.background)}</div>"
                f"<p style='margin:.5em 0 .2em'>{e(s.setup)}</p></div>")

    def _transcript_html(self) -> str:
        """The exchange so far: each client line, the response chosen, and (folded) its feedback."""
        s = self.session.scenario
        name = html.escape(s.client.name)
        parts = []
        previous: Step | None = None
        for number, step in enumerate(self.session.steps, 1):
            said = [html.escape(previous.reply)] if previous and previous.reply else []
            said.append(html.escape(s.node(step.node).client))
            parts.append(
                f"<div class='ipt-rp-step' data-step='{number}'>"
                f"<div class='ipt-rp-line ipt-rp-said-client'><b>{name}:</b> {'<br>'.join(said)}</div>"
                f"<div class='ipt-rp-line ipt-rp-said-therapist'><b>You:</b> {html.escape(step.text)}</div>"
                f"<details class='ipt-rp-note'><summary>{html.escape(step.technique.label)}: "
                f"<span style='color:{_QUALITY_COLOUR[step.quality]}'>{_QUALITY_TEXT[step.quality]}</span>"
                f"</summary>{html.escape(step.feedback)}</details></div>")
            previous = step
        return "".join(parts)

    def _ipython_display_(self):
        from .keys import display_with_own_keys

        display_with_own_keys(self.view)


def _feedback_html(step: Step) -> str:
    colour = _QUALITY_COLOUR[step.quality]
    return (f"<div class='ipt-rp-box' style='border-color:{colour}' data-quality='{step.quality}'>"
            f"<b>Your response used {html.escape(step.technique.label)}</b> "
            f"(<span style='color:{colour}'>{_QUALITY_TEXT[step.quality]}</span>). "
            f"{html.escape(step.feedback)}</div>")


def _summary_html(session: Session) -> str:
    e = html.escape
    summary = session.summary()
    rows = "".join(
        f"<tr><td>{i}</td><td>{e(step.text)}</td><td>{e(step.technique.label)}</td>"
        f"<td style='color:{_QUALITY_COLOUR[step.quality]}'>{step.quality}</td></tr>"
        for i, step in enumerate(summary.steps, 1))
    earlier = ""
    if summary.earlier:
        labels = {n.id: n.ending_label for n in session.scenario.endings}
        runs = "; ".join(f"{e(labels.get(str(h.get('ending')), str(h.get('ending', '?'))))}: {h.get('good', 0)} good, "
                         f"{h.get('acceptable', 0)} acceptable, {h.get('poor', 0)} poor" for h in summary.earlier)
        earlier = f"<p class='ipt-rp-meta'>Earlier runs: {runs}</p>"
    return (f"<h4 style='margin:.3em 0'>Ending: {e(summary.ending)}</h4>"
            f"<p>{e(summary.closing)}</p>"
            f"<h4 style='margin:.3em 0'>Your path</h4>"
            f"<table><thead><tr><th>#</th><th>Your response</th><th>Technique</th><th>Quality</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f"<p>{e(summary.debrief)}</p>{earlier}")


def roleplay_widget(scenario_or_path: Scenario | str | Path,
                    progress_path: str | Path | None = "roleplay_progress.json") -> RolePlayWidget:
    """The role-play widget for a scenario (a :class:`Scenario`, a file path, or an id such as ``"R01"``).

    Progress is saved to ``progress_path`` after every click and reloaded from it here. A damaged progress file is
    kept aside (renamed, never deleted) and the role-play starts fresh with a message. ``None`` saves nothing.
    """
    scenario = find_scenario(scenario_or_path)
    notice = ""
    if progress_path is None:
        session = Session(scenario)
    else:
        try:
            session = Session.load(scenario, progress_path)
        except StoredFileError as exc:
            session, notice = Session(scenario), str(exc)
    return RolePlayWidget(session, progress_path, notice=notice)
