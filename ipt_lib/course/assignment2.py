"""Assignment 2 (the interpersonal inventory): its notebook and case file, built from data/.

What the student builds in the widget is saved to ``inventory.json`` next to the notebook; nbgrader submits
that file with the notebook, and the autograder grades the file itself (read in the grader's process, see
``StaticAnswerGrader``), so the grade is exactly what the student built. A missing or damaged file scores zero on
the inventory items with a clear message.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import nbformat

from ..vignettes import Vignette, load_vignettes
from .assignment1 import _code, _keyed_test, _md, _notebook, repo_root

ASSIGNMENT = "a2_inventory"
NOTEBOOK = "inventory.ipynb"
DECK = "case.json"
INVENTORY_FILE = "inventory.json"
KEY_FILE = Path("data") / "assignments" / "a2_inventory.toml"  # instructor-only answer key
MANUAL_POINTS = 3


def answer_key(root: Path | None = None) -> dict:
    """The key from data/assignments (never shipped): case, inner-ring people, tied person, model inventory,
    and the problem area from the vignette."""
    root = root or repo_root()
    key = tomllib.loads((root / KEY_FILE).read_text(encoding="utf-8"))
    vignettes = {v.id: v for v in load_vignettes(root / "data" / "vignettes")}
    key["area"] = vignettes[key["case_id"]].primary_area.label
    key["vignette"] = vignettes[key["case_id"]]
    return key

INTRO = f"""
# Assignment 2: The interpersonal inventory

**Time:** about 60 minutes. **Points:** 7 (4 autograded, 3 graded by your instructor).

After this assignment you can:
1. build an interpersonal inventory for a client from the case material (ISIPT, n.d.-b; Focus review, 2006);
2. place people on the closeness circle by the cues in the case;
3. say which relationship is tied to the problem area, and which area follows (Weissman et al., 2018; ISIPT, n.d.-b);
4. reflect on what the inventory shows and what it leaves out.

**How it is graded.** Build the inventory with the widget (or in code). It is saved automatically to
`{INVENTORY_FILE}` beside this notebook and is submitted with it; **the grader grades that file**, so what you see
in the widget is what is graded. Do not rename or delete it. The check cells tell you only whether your answers
can be read.

*Content note: the case describes postnatal depression.* All cases are fictional.
"""

SETUP = f"""
# Set-up: run this cell first.
import ipt_lib
case = ipt_lib.load_deck("{DECK}")
case.card("1")
"""

WIDGET_INTRO = """
## Part A: Build the inventory (2 points, autograded)

Add each important person in {client}'s life: the relationship, the closeness ring the case suggests (inner, middle,
outer), support, conflict, expectations, and whether the person is tied to a problem area. Everything is saved to
`inventory.json` as you work; run the cell again after a restart and your entries come back.

**Graded (1 point each):** each of the two people whom the cues put closest to {client} is on the **inner** ring.
Tolerance: up to {max_others} other people on the inner ring are accepted. Include everyone the case mentions who
matters to {client}.
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

QUESTIONS = """
## Part B: From the inventory to the problem area (2 points, autograded)

Answer in quotes. The checks only tell you whether your answer can be read.
"""

REFLECTION = f"""
## Part C: Reflect (3 points, graded by your instructor)

In 100-150 words: what does the client's inventory show about her support and her expectations, which relationship
would you choose as the focus and why (Weissman et al., 2018), and what would you still ask about in the next session?

**Rubric** (1 point each): the answer (1) uses specific entries of the inventory (people, rings, expectations);
(2) justifies the focus by the timing of onset and what matters most to the client (Focus review, 2006; Weissman et al., 2018; Markowitz, 2016); (3) names a
gap in the inventory and a question that would fill it.
"""

CHECKLIST = f"""
## Before you submit

1. `{INVENTORY_FILE}` is beside this notebook and the check in Part A reads it.
2. Part B's answers are in quotes and their checks printed "reads as ...".
3. Part C has your written answer.
4. **Kernel → Restart Kernel and Run All Cells**, then save, then **Validate** and **Submit**.

**Key points:** the inventory reviews each important person and leads to the focus; closeness, support and
mismatched expectations are what the circle makes visible.
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


def build_notebook(key: dict) -> nbformat.NotebookNode:
    area, client, max_others = key["area"], key["client"], key["max_others"]
    people = "\n".join(f"inv.add(**{person!r})" for person in key["people"])
    cells = [
        _md("intro", INTRO),
        _code("setup", SETUP, locked=True),
        _md("widget-intro", WIDGET_INTRO.format(client=client, max_others=max_others)),
        _code("widget", f'inventory = ipt_lib.inventory_widget({client!r}, "{INVENTORY_FILE}")\ninventory'),
        _code("inventory_build", CODE_OPTION.format(client=client, people=people), solution=True),
    ]
    for grade_id, aliases in key["inner"].items():
        rivals = rival_aliases(key, aliases)
        cells.append(_keyed_test(
            f"{grade_id}_test", f"Checks that {INVENTORY_FILE} can be read (format only); the rings are checked at grading.",
            "check_inventory_file", f'"{INVENTORY_FILE}"',
            "assert_in_ring", f'"{INVENTORY_FILE}", {aliases!r}, "inner", {max_others}, {rivals!r}'))
    cells.append(_md("questions", QUESTIONS))
    cells.append(_md("tied-title", "### Which person is tied to the problem area? (1 point)"))
    cells.append(_code("tied_person_answer",
                       "# The person's name, in quotes.\ntied_person = (\n    ### BEGIN SOLUTION\n"
                       f"    {key['tied_person'][0].title()!r}\n    ### END SOLUTION\n)", solution=True))
    cells.append(_keyed_test("tied_person_test",
                             "Checks the format of your answer, and that it names someone in your inventory.",
                             "check_name_format", f'"tied_person", inventory="{INVENTORY_FILE}"',
                             "assert_person",
                             f'"tied_person", {key["tied_person"]!r}, {rival_aliases(key, key["tied_person"])!r}'))
    cells.append(_md("area-title", "### Which problem area follows from the inventory? (1 point)"))
    cells.append(_code("area_answer",
                       f"# One problem area, in quotes.\narea = (\n    ### BEGIN SOLUTION\n    {area!r}\n"
                       "    ### END SOLUTION\n)", solution=True))
    cells.append(_keyed_test("area_test", "Checks the format of your answer only.",
                             "check_answer_format", '"area"', "assert_area", f'"area", {area!r}'))
    cells.append(_md("reflection-question", REFLECTION, locked=True))
    cells.append(_md("reflection_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student "
                     "version): see the case's rationale in data/vignettes.*\n### END SOLUTION",
                     solution=True, grade=True, points=MANUAL_POINTS))
    cells.append(_md("checklist", CHECKLIST))
    return _notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    key = answer_key(root)
    vignette: Vignette = key["vignette"]
    if not vignette.is_graded:
        raise ValueError(f"{vignette.id} must be a graded vignette")
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(key), folder / NOTEBOOK)
    deck = {"name": ASSIGNMENT, "cases": [dict(vignette.public(), case="1")]}
    (folder / DECK).write_text(json.dumps(deck, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return [folder / NOTEBOOK, folder / DECK]
