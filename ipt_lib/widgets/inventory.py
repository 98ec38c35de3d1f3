"""The interpersonal inventory as a form, a table and a closeness circle that redraws as the student works.

The widget is a view over an :class:`~ipt_lib.inventory.Inventory`; every change is saved at once (atomically)
to a JSON file next to the notebook, and running the cell again reloads it, so a kernel restart or a closed
tab loses nothing. Grading reads that file, never the widget.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import ipywidgets as w

from ..inventory import CONFLICT, CONTACT, EXPECTATIONS_MET, Inventory, InventoryError, Person, Ring
from ..plots import img_tag  # noqa: F401 - also imported from here by the other widgets
from ..problem_areas import ProblemArea
from ..storage import StoredFileError

__all__ = ["InventoryWidget", "inventory_widget"]

_STYLE = {"description_width": "170px"}
_WIDE = w.Layout(width="520px")
TEXT_FIELDS = (
    ("activities", "What they do together"), ("support_given", "Support the client gives"),
    ("support_received", "Support the client receives"), ("client_expectations", "Client's expectations"),
    ("other_expectations", "Their expectations"), ("satisfying", "Satisfying aspects"),
    ("unsatisfying", "Unsatisfying aspects"), ("changes_wanted", "Changes the client wants"),
)


# The table of people, with room between its columns and rows (an HTML widget's table has none of its own).
_CSS = """<style>
.ipt-inventory table.ipt-inv-rows{border-collapse:collapse;margin:.4em 0}
.ipt-inventory table.ipt-inv-rows th,.ipt-inventory table.ipt-inv-rows td{padding:.3em .75em;text-align:left;
  vertical-align:top;border-bottom:1px solid #d0d0d0}
.ipt-inventory table.ipt-inv-rows th{border-bottom:2px solid #555}
</style>"""


class InventoryWidget:
    """Add, edit, remove and reorder people; see the table and the closeness circle; autosaved to ``path``."""

    def __init__(self, inventory: Inventory, path: str | Path | None = None, *, notice: str = ""):
        self.inventory = inventory
        self.path = Path(path) if path else None
        self.editing: str | None = None
        self.name = w.Text(description="Name or alias", style=_STYLE, layout=_WIDE,
                           placeholder="an alias is fine: no real people's details")
        self.relationship = w.Text(description="Relationship", style=_STYLE, layout=_WIDE,
                                   placeholder="e.g. sister, manager, best friend")
        self.ring = w.Dropdown(description="Closeness ring", options=[r.value for r in Ring], value="middle",
                               style=_STYLE)
        self.contact = w.Dropdown(description="How often in contact", options=list(CONTACT), style=_STYLE)
        self.supportive = w.Checkbox(description="Supportive", indent=False)
        self.confidant = w.Checkbox(description="Confidant", indent=False)
        self.conflict = w.Dropdown(description="Conflict", options=list(CONFLICT), style=_STYLE)
        self.expectations_met = w.Dropdown(description="Expectations met?", options=list(EXPECTATIONS_MET),
                                           style=_STYLE)
        self.problem_area = w.Dropdown(description="Tied to problem area", options=[""] + list(ProblemArea.labels()),
                                       style=_STYLE)
        self.texts = {name: w.Textarea(description=label, style=_STYLE, layout=w.Layout(width="520px", height="48px"))
                      for name, label in TEXT_FIELDS}
        self.add_button = w.Button(description="Add person", button_style="primary", icon="plus",
                                   tooltip="Add this person to the inventory")
        self.clear_button = w.Button(description="Clear form", tooltip="Start a new entry")
        self.chooser = w.Dropdown(description="Edit or remove", style=_STYLE, options=[""])
        self.remove_button = w.Button(description="Remove", button_style="danger", icon="trash",
                                      tooltip="Remove the chosen person")
        self.up_button = w.Button(description="Move up", icon="arrow-up", tooltip="Move the chosen person up")
        self.undo_button = w.Button(description="Undo remove", icon="undo", tooltip="Put back the person just removed",
                                    layout=w.Layout(display="none"))
        self._removed: tuple[int, object] | None = None  # (position, person) of the last removal, for Undo
        self.message = w.HTML()
        self.status = w.HTML()
        self.table = w.HTML()
        # An <img> with a text alternative that says who is on which ring (an ipywidgets Image has no alt text).
        self.circle = w.HTML()
        for widget, cls in ((self.name, "ipt-inv-name"), (self.relationship, "ipt-inv-relationship"),
                            (self.ring, "ipt-inv-ring"), (self.add_button, "ipt-inv-add"),
                            (self.message, "ipt-inv-message"), (self.table, "ipt-inv-table"),
                            (self.circle, "ipt-inv-circle"), (self.status, "ipt-inv-status"),
                            (self.chooser, "ipt-inv-chooser"), (self.remove_button, "ipt-inv-remove")):
            widget.add_class(cls)
        self.add_button.on_click(lambda _: self.submit())
        self.clear_button.on_click(lambda _: (self.clear(), self.name.focus()))
        self.remove_button.on_click(lambda _: self.remove())
        self.up_button.on_click(lambda _: self.move_up())
        self.undo_button.on_click(lambda _: self.undo_remove())
        self.undo_button.add_class("ipt-inv-undo")
        self.message.add_class("ipt-live")  # announced to screen readers when it changes (see keys.py)
        self.chooser.observe(self._choose, names="value")
        form = w.VBox([self.name, self.relationship, self.ring, self.contact,
                       w.HBox([self.supportive, self.confidant]), self.conflict, self.expectations_met,
                       self.problem_area, *self.texts.values(),
                       w.HBox([self.add_button, self.clear_button]), self.message])
        manage = w.HBox([self.chooser, self.remove_button, self.up_button, self.undo_button])
        self.view = w.VBox([w.HTML(f"{_CSS}<h3>Interpersonal inventory: {html.escape(inventory.client)}</h3>"),
                            self.status, form, manage, self.table, self.circle])
        self.view.add_class("ipt-inventory")
        if notice:
            self._say(notice, ok=False)
        self.refresh(save=False)

    # --- actions -------------------------------------------------------------
    def _fields(self) -> dict:
        fields = dict(name=self.name.value, relationship=self.relationship.value, ring=self.ring.value,
                      contact=self.contact.value, supportive=self.supportive.value, confidant=self.confidant.value,
                      conflict=self.conflict.value, expectations_met=self.expectations_met.value,
                      problem_area=self.problem_area.value)
        fields.update({name: box.value for name, box in self.texts.items()})
        return fields

    def submit(self) -> bool:
        """Add the person in the form, or save the changes to the person being edited."""
        try:
            if self.editing:
                person = self.inventory.edit(self.editing, **self._fields())
                self._say(f"Saved the changes to {person.name}.")
            else:
                person = self.inventory.add(**self._fields())
                self._say(f"Added {person.name}.")
        except InventoryError as exc:
            self._say(str(exc), ok=False)
            return False
        self.clear(keep_message=True)
        self.refresh()
        self.name.focus()  # the next thing to do is the next person: a keyboard user starts typing at once
        return True

    def remove(self) -> None:
        if not self.chooser.value:
            self._say("Choose a person to remove first.", ok=False)
            return
        name = self.chooser.value
        position = [p.name for p in self.inventory].index(name)
        self._removed = (position, self.inventory.remove(name))
        self.clear(keep_message=True)
        self._say(f"Removed {name}. Press Undo remove to put them back.")
        self.undo_button.layout.display = None
        self.refresh()
        self.undo_button.focus()  # one key press puts them back

    def undo_remove(self) -> None:
        """Put back the person removed last, where they were."""
        if self._removed is None:
            self._say("There is nothing to undo.", ok=False)
            return
        position, person = self._removed
        self._removed = None
        try:
            self.inventory.add(person=person)
        except InventoryError as exc:
            self._say(str(exc), ok=False)
            return
        self.inventory.move(person.name, position)
        self.undo_button.layout.display = "none"
        self._say(f"Put {person.name} back.")
        self.refresh()
        self.chooser.focus()  # the Undo button is gone: focus goes where editing and removing start

    def move_up(self) -> None:
        if self.chooser.value:
            names = [p.name for p in self.inventory]
            self.inventory.move(self.chooser.value, max(0, names.index(self.chooser.value) - 1))
            self.refresh()

    def clear(self, keep_message: bool = False) -> None:
        self.editing = None
        self.name.value = self.relationship.value = ""
        self.ring.value, self.contact.value, self.conflict.value = "middle", "", "none"
        self.supportive.value = self.confidant.value = False
        self.expectations_met.value = self.problem_area.value = ""
        for box in self.texts.values():
            box.value = ""
        self.add_button.description = "Add person"
        if self.chooser.value:
            self.chooser.value = ""
        if not keep_message:
            self.message.value = ""

    def _choose(self, change) -> None:
        if not change["new"]:
            return
        person: Person = self.inventory[change["new"]]
        data = person.to_dict()
        self.editing = person.name
        self.name.value, self.relationship.value, self.ring.value = person.name, person.relationship, data["ring"]
        self.contact.value, self.conflict.value = person.contact, person.conflict
        self.supportive.value, self.confidant.value = person.supportive, person.confidant
        self.expectations_met.value, self.problem_area.value = person.expectations_met, data["problem_area"]
        for name, box in self.texts.items():
            box.value = data[name]
        self.add_button.description = "Save changes"
        self._say(f"Editing {person.name}: change the form and press Save changes.")

    # --- views ---------------------------------------------------------------
    def _say(self, text: str, ok: bool = True) -> None:
        colour = "#1a7f37" if ok else "#b35900"
        role = "status" if ok else "alert"
        self.message.value = f"<div role='{role}' style='color:{colour}'>{html.escape(text)}</div>"

    def refresh(self, save: bool = True) -> None:
        if save and self.path is not None:
            self.inventory.save(self.path)
            self.status.value = (f"<small>Saved automatically to <code>{html.escape(self.path.name)}</code> at "
                                 f"{time.strftime('%H:%M:%S')}. Run this cell again to reload it.</small>")
        elif self.path is not None and not self.status.value:
            self.status.value = f"<small>Saved automatically to <code>{html.escape(self.path.name)}</code>.</small>"
        self.chooser.options = [""] + [p.name for p in self.inventory]
        self.table.value = self._table()
        self.circle.value = img_tag(self._png(), self.circle_text())

    def _table(self) -> str:
        if not len(self.inventory):
            return "<p><i>Nobody entered yet.</i></p>"
        rows = "".join(
            f"<tr><td>{i}</td><td>{html.escape(p.name)}</td><td>{html.escape(p.relationship)}</td>"
            f"<td>{p.ring.value}</td><td>{'yes' if p.supportive else ''}</td><td>{'yes' if p.confidant else ''}</td>"
            f"<td>{p.conflict}</td><td>{p.problem_area.label if p.problem_area else ''}</td></tr>"
            for i, p in enumerate(self.inventory, 1))
        return ("<table class='ipt-inv-rows'><thead><tr><th>#</th><th>Name</th><th>Relationship</th><th>Ring</th>"
                "<th>Supportive</th><th>Confidant</th><th>Conflict</th><th>Problem area</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><p><small>{html.escape(self.inventory.summary())}</small></p>")

    def circle_text(self) -> str:
        """What the closeness circle shows, in words: who is on which ring."""
        from ..plots import closeness_text

        return closeness_text(self.inventory)

    def _png(self) -> bytes:
        from ..plots import DPI, closeness_circle, to_png

        return to_png(closeness_circle(self.inventory), dpi=DPI)

    def _ipython_display_(self):
        from .keys import display_with_own_keys

        display_with_own_keys(self.view)


def inventory_widget(client: str, path: str | Path = "inventory.json") -> InventoryWidget:
    """The inventory widget for ``client``, reloading what was saved in ``path`` (next to the notebook).

    A damaged file is kept aside (renamed, never deleted) and the widget starts empty with a message.
    """
    notice = ""
    try:
        inventory = Inventory.load(path, client=client)
    except StoredFileError as exc:
        inventory, notice = Inventory(client), str(exc)
    return InventoryWidget(inventory, path, notice=notice)
