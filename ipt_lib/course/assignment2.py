"""Assignment 2 (the interpersonal inventory): its notebook and case file, built from data/.

What the student builds in the widget is saved to ``inventory.json`` next to the notebook; nbgrader submits
that file with the notebook, and the autograder grades the file itself (read in the grader's process, see
``StaticAnswerGrader``), so the grade is exactly what the student built. A missing or damaged file scores zero on
the inventory items with a clear message.
"""

from __future__ import annotations

import json
import tomllib
from functools import partial
from pathlib import Path

import nbformat

from ..vignettes import Vignette, load_vignettes
from .cells import assignment_data, code, keyed_test, md, notebook, prose, repo_root

ASSIGNMENT = "a2_inventory"
NOTEBOOK = "inventory.ipynb"
DECK = "case.json"
INVENTORY_FILE = "inventory.json"
MANUAL_POINTS = 3


def answer_key(root: Path | None = None) -> dict:
    """The key from data/assignments/a2_inventory/key.toml (never shipped): case, inner-ring people, tied person,
    model inventory, and the problem area from the vignette."""
    root = root or repo_root()
    key = tomllib.loads((assignment_data(root, ASSIGNMENT) / "key.toml").read_text(encoding="utf-8"))
    vignettes = {v.id: v for v in load_vignettes(root / "data" / "vignettes")}
    key["area"] = vignettes[key["case_id"]].primary_area.label
    key["vignette"] = vignettes[key["case_id"]]
    return key


def shows(root: Path) -> set[str]:
    """The vignette this assignment shows students (its inventory case)."""
    return {tomllib.loads((assignment_data(root, ASSIGNMENT) / "key.toml").read_text(encoding="utf-8"))["case_id"]}

SETUP = f"""
# Set-up: run this cell first.
import ipt_lib
case = ipt_lib.load_deck("{DECK}")
case.card("1")
"""

CODE_OPTION = """
# Optional: build or complete the inventory in code instead of the widget (end your code with inv.save(...)).
### BEGIN SOLUTION
inv = ipt_lib.Inventory({client!r})
{people}
inv.save("inventory.json")
### END SOLUTION
None  # (keeps this cell quiet while it is empty)
"""

def rival_aliases(key: dict, aliases: list[str]) -> list[list[str]]:
    """The other people of the case, each as aliases with the name first: the key's other inner-ring items, and
    every other person of the model inventory. An answer that names one of them as well as the person asked
    for counts for no one (one entry naming everybody must not match every item)."""
    rivals = [list(group) for group in key["inner"].values() if set(group) != set(aliases)]
    named = {word for group in rivals for word in group} | set(aliases)
    for person in key["people"]:
        name = person["name"].casefold()
        if name not in named:
            rivals.append([name])
    return rivals


def build_notebook(key: dict, root: Path | None = None) -> nbformat.NotebookNode:
    text = partial(prose, root or repo_root(), ASSIGNMENT)
    area, client, max_others = key["area"], key["client"], key["max_others"]
    people = "\n".join(f"inv.add(**{person!r})" for person in key["people"])
    cells = [
        md("intro", text("intro")),
        code("setup", SETUP, locked=True),
        md("widget-intro", text("widget-intro", client=client, max_others=max_others)),
        code("widget", f'inventory = ipt_lib.inventory_widget({client!r}, "{INVENTORY_FILE}")\ninventory'),
        code("inventory_build", CODE_OPTION.format(client=client, people=people), solution=True),
    ]
    for grade_id, aliases in key["inner"].items():
        rivals = rival_aliases(key, aliases)
        cells.append(keyed_test(
            f"{grade_id}_test", f"Checks that {INVENTORY_FILE} can be read (format only); the rings are checked at grading.",
            "check_inventory_file", f'"{INVENTORY_FILE}"',
            "assert_in_ring", f'"{INVENTORY_FILE}", {aliases!r}, "inner", {max_others}, {rivals!r}'))
    cells.append(md("questions", text("questions")))
    cells.append(md("tied-title", text("tied-title")))
    cells.append(code("tied_person_answer",
                       "# The person's name, in quotes.\ntied_person = (\n    ### BEGIN SOLUTION\n"
                       f"    {key['tied_person'][0].title()!r}\n    ### END SOLUTION\n)", solution=True))
    cells.append(keyed_test("tied_person_test",
                             "Checks the format of your answer, and that it names someone in your inventory.",
                             "check_name_format", f'"tied_person", inventory="{INVENTORY_FILE}"',
                             "assert_person",
                             f'"tied_person", {key["tied_person"]!r}, {rival_aliases(key, key["tied_person"])!r}'))
    cells.append(md("area-title", text("area-title")))
    cells.append(code("area_answer",
                       f"# One problem area, in quotes.\narea = (\n    ### BEGIN SOLUTION\n    {area!r}\n"
                       "    ### END SOLUTION\n)", solution=True))
    cells.append(keyed_test("area_test", "Checks the format of your answer only.",
                             "check_answer_format", '"area"', "assert_area", f'"area", {area!r}'))
    cells.append(md("reflection-question", text("reflection-question"), locked=True))
    cells.append(md("reflection_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student "
                     "version): see the case's rationale in data/vignettes.*\n### END SOLUTION",
                     solution=True, grade=True, points=MANUAL_POINTS))
    cells.append(md("checklist", text("checklist")))
    return notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    key = answer_key(root)
    vignette: Vignette = key["vignette"]
    if not vignette.is_graded:
        raise ValueError(f"{vignette.id} must be a graded vignette")
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(key, root), folder / NOTEBOOK)
    deck = {"name": ASSIGNMENT, "cases": [dict(vignette.public(), case="1")]}
    (folder / DECK).write_text(json.dumps(deck, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return [folder / NOTEBOOK, folder / DECK]
