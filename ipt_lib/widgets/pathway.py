"""Progress towards a chosen certification level: two dropdowns, a table and a figure over a trainee log CSV.

The widget is a view: the model is a :class:`~ipt_lib.pathway.TraineeLog` read from the trainee's own CSV and the
bodies in data/training. Changing the body or the level redraws; "Reload the log" re-reads the file after it was
edited in a spreadsheet; the small form adds one entry and saves the file atomically. A log with bad rows is shown
with its problems and never written over, so nothing the trainee typed is lost.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as w

from ..pathway import (ENTRY_KINDS, PHASES, Body, LogProblem, Progress, TraineeLog, TraineeLogError, assess,
                       load_bodies)
from ..plot_progress import progress_figure, progress_text

__all__ = ["PathwayWidget", "pathway_widget"]

_STYLE = {"description_width": "120px"}


class PathwayWidget:
    """Choose a body and a level; see what is met, missing, unknown or self-report in the log at ``path``."""

    def __init__(self, path: str | Path, bodies: list[Body] | None = None, *, today: dt.date | None = None):
        self.path = Path(path)
        self.bodies = bodies if bodies is not None else load_bodies()
        self.today = today
        self.log = TraineeLog()
        self.problems: list[LogProblem] = []
        self.progress: Progress | None = None
        self._quiet = False

        self.body = w.Dropdown(description="Training body", style=_STYLE, layout=w.Layout(width="520px"),
                               options=[(b.name + ("" if b.current else " (historical)"), b.id) for b in self.bodies])
        self.level = w.Dropdown(description="Level", style=_STYLE, layout=w.Layout(width="520px"))
        self.reload_button = w.Button(description="Reload the log", icon="refresh",
                                      tooltip="Read the CSV again after editing it elsewhere")
        self.status = w.HTML()
        self.table = w.HTML()
        self.figure = w.HTML()  # an <img> with a text alternative (see figure_text)

        self.entry_date = w.Text(description="Date", style=_STYLE, placeholder="YYYY-MM-DD")
        self.entry_kind = w.Dropdown(description="Kind", style=_STYLE, options=list(ENTRY_KINDS))
        self.entry_amount = w.Text(description="Amount", style=_STYLE, placeholder="hours, or a count")
        self.entry_case = w.Text(description="Case", style=_STYLE, placeholder="a code such as C1, never a name")
        self.entry_phase = w.Dropdown(description="Phase", style=_STYLE, options=[""] + list(PHASES))
        self.entry_detail = w.Text(description="Detail", style=_STYLE)
        self.entry_note = w.Text(description="Note", style=_STYLE)
        self.add_button = w.Button(description="Add to the log", button_style="primary", icon="plus")
        self.message = w.HTML()
        self.kind_help = w.HTML()

        for widget, cls in ((self.body, "ipt-path-body"), (self.level, "ipt-path-level"),
                            (self.reload_button, "ipt-path-reload"), (self.status, "ipt-path-status-line"),
                            (self.table, "ipt-path-table-view"), (self.figure, "ipt-path-figure"),
                            (self.add_button, "ipt-path-add"), (self.message, "ipt-path-message")):
            widget.add_class(cls)

        self.body.observe(self._body_changed, names="value")
        self.level.observe(lambda _: self.refresh(), names="value")
        self.reload_button.on_click(lambda _: self.reload())
        self.add_button.on_click(lambda _: self.submit())
        self.entry_kind.observe(lambda _: self._show_kind_help(), names="value")

        self.form = w.VBox([self.entry_date, self.entry_kind, self.kind_help, self.entry_amount, self.entry_case,
                            self.entry_phase, self.entry_detail, self.entry_note, self.add_button, self.message],
                           layout=w.Layout(display="none"))
        # A button, not an Accordion: an Accordion's title in ipywidgets 8 is a <div> that only a mouse can open.
        self.form_button = w.Button(description="Add a log entry", icon="plus",
                                    tooltip="Show the form that adds one entry to the log")
        self.form_button.add_class("ipt-path-open-form")
        self.form_button.on_click(lambda _: self.toggle_form())
        self.view = w.VBox([w.HTML("<h3>Your road to IPT certification</h3>"), self.body, self.level,
                            w.HBox([self.reload_button]), self.status, self.table, self.figure,
                            self.form_button, self.form])
        self.view.add_class("ipt-pathway")
        self.entry_date.value = (today or dt.date.today()).isoformat()
        self._show_kind_help()
        self.reload(refresh=False)
        self._fill_levels()
        self.refresh()

    def toggle_form(self) -> None:
        """Show the entry form (focus on its first field, where the next key goes) or hide it again."""
        opening = self.form.layout.display == "none"
        self.form.layout.display = None if opening else "none"
        self.form_button.description = "Hide the entry form" if opening else "Add a log entry"
        self.form_button.icon = "minus" if opening else "plus"
        if opening:
            self.entry_date.focus()

    # --- model -------------------------------------------------------------------------------------------
    def reload(self, refresh: bool = True) -> None:
        """Read the CSV again (bad rows are listed; the good ones still count)."""
        if self.path.exists():
            self.log, self.problems = TraineeLog.load(self.path, strict=False)
        else:
            self.log, self.problems = TraineeLog(), []
        self._show_status()
        if refresh:
            self.refresh()

    def submit(self) -> bool:
        """Add the entry in the form to the log and save the file."""
        if self.problems:
            self._say("The log file has problems (listed above). Fix them in the file and press Reload the log "
                      "before adding entries, so nothing in it is written over.", ok=False)
            return False
        try:
            entry = self.log.add(date=self.entry_date.value, kind=self.entry_kind.value,
                                 amount=self.entry_amount.value, case_id=self.entry_case.value,
                                 phase=self.entry_phase.value, detail=self.entry_detail.value,
                                 note=self.entry_note.value)
        except TraineeLogError as exc:
            self._say("; ".join(f"{p.column}: {p.message}" for p in exc.problems), ok=False)
            return False
        self.log.save(self.path)
        self._say(f"Added a {entry.kind} entry dated {entry.date.isoformat()} and saved {self.path.name}.")
        self.entry_amount.value = self.entry_detail.value = self.entry_note.value = ""
        self._show_status()
        self.refresh()
        return True

    # --- views -------------------------------------------------------------------------------------------
    def _body_changed(self, _change) -> None:
        self._fill_levels()
        self.refresh()

    def _fill_levels(self) -> None:
        body = self._body()
        self._quiet = True
        try:
            self.level.options = [(lv.name + ("" if lv.current else " (historical)"), lv.id) for lv in body.levels]
            self.level.value = body.levels[0].id
        finally:
            self._quiet = False

    def _body(self) -> Body:
        return next(b for b in self.bodies if b.id == self.body.value)

    def refresh(self) -> None:
        if self._quiet or self.level.value is None:
            return
        body = self._body()
        self.progress = assess(self.log, body, self.level.value, today=self.today)
        self.table.value = self.progress._repr_html_()
        from ..plots import img_tag

        self.figure.value = img_tag(self._png(), self.figure_text())

    def figure_text(self) -> str:
        """What the progress figure shows, in words: each requirement and its status."""
        return progress_text(self.progress)

    def _png(self) -> bytes:
        from ..plots import to_png

        return to_png(progress_figure(self.progress), dpi=100)  # shown at its own width: text at body size

    def _show_status(self) -> None:
        e = html.escape
        where = f"<code>{e(self.path.name)}</code>"
        if not self.path.exists():
            text = f"<small>No log yet: the first entry you add creates {where}.</small>"
        else:
            text = f"<small>{len(self.log)} entries read from {where}.</small>"
        if self.problems:
            items = "".join(f"<li>{e(str(p))}</li>" for p in self.problems[:20])
            more = f"<li>... and {len(self.problems) - 20} more</li>" if len(self.problems) > 20 else ""
            text += (f"<div role='alert' class='ipt-path-problems' style='color:#b35900'>{len(self.problems)} "
                     f"problem(s) in {where}; these rows are left out of the counts until you fix them "
                     f"(the header is row 1):<ul>{items}{more}</ul></div>")
        self.status.value = text

    def _show_kind_help(self) -> None:
        spec = ENTRY_KINDS[self.entry_kind.value]
        parts = [spec.meaning]
        if spec.detail:
            parts.append(f"detail: {spec.detail}")
        self.kind_help.value = f"<small>{html.escape('; '.join(parts))}</small>"

    def _say(self, text: str, ok: bool = True) -> None:
        colour, role = ("#1a7f37", "status") if ok else ("#b35900", "alert")
        self.message.value = f"<div role='{role}' style='color:{colour}'>{html.escape(text)}</div>"

    def _ipython_display_(self):
        from .keys import display_with_own_keys

        display_with_own_keys(self.view)


def pathway_widget(log_path: str | Path = "trainee_log.csv", *, today: dt.date | None = None) -> PathwayWidget:
    """The progress widget over the trainee log at ``log_path`` (created by the first entry added)."""
    return PathwayWidget(log_path, today=today)
