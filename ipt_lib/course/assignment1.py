"""Assignment 1 (problem-area classification): its notebook and case files, built from data/.

``ipt-course build`` writes source/a1_problem_areas/ and ipt_lib/_data/practice_cases.json;
a test checks that what is committed is what this module builds now.
The answer key is read from data/vignettes and appears only in the instructor's
source notebook (solution cells and hidden tests).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..problem_areas import ProblemArea
from ..vignettes import Vignette, load_vignettes
from .rubric import rubric_table

ASSIGNMENT = "a1_problem_areas"
NOTEBOOK = "problem_areas.ipynb"
DECK = "cases.json"

# Which vignettes the assignment uses (ids in data/vignettes). One practice case per area; two graded per area.
PRACTICE_IDS = ("V11", "V41", "V02", "V12")
GRADED_IDS = ("V07", "V43", "V30", "V16", "V09", "V10", "V01", "V25")
JUSTIFY_CASE = "2"  # the graded case students justify in writing
MANUAL_POINTS = 4


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: float | None = None, task: bool = False) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": task}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _md(cell_id: str, text: str, **nb) -> nbformat.NotebookNode:
    cell = new_markdown_cell(text.strip("\n"), id=cell_id)
    if nb:
        cell.metadata.update(_meta(cell_id, **nb))
    return cell


def _code(cell_id: str, text: str, **nb) -> nbformat.NotebookNode:
    cell = new_code_cell(text.strip("\n"), id=cell_id)
    if nb:
        cell.metadata.update(_meta(cell_id, **nb))
    return cell


def _keyed_test(cell_id: str, doc: str, check: str, check_args: str, key: str, key_args: str,
                points: float = 1) -> nbformat.NotebookNode:
    """A locked test cell: a visible format check, then the hidden keyed check the grader re-does outside the
    kernel. Tagged so that a failing check lets "Run All" go on to the next item."""
    cell = _code(
        cell_id,
        f'"""{doc}"""\n'
        f"from ipt_lib.grading import {check}\n"
        f"{check}({check_args})\n"
        f"### BEGIN HIDDEN TESTS\n"
        f"from ipt_lib.grading import {key}\n"
        f"{key}({key_args})\n"
        f"### END HIDDEN TESTS",
        grade=True, locked=True, points=points,
    )
    cell.metadata["tags"] = ["raises-exception"]
    return cell


def _notebook(cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata.update({
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    return nb


def practice_deck_records(vignettes: list[Vignette]) -> list[dict]:
    """Every practice vignette, answers included, numbered P1, P2, ..."""
    practice = [v for v in vignettes if v.kind == "practice"]
    return [dict(v.practice(), case=f"P{i}") for i, v in enumerate(practice, 1)]


def assignment_deck(vignettes: list[Vignette]) -> dict:
    by_id = {v.id: v for v in vignettes}
    cases = []
    for i, vid in enumerate(PRACTICE_IDS, 1):
        cases.append(dict(by_id[vid].practice(), case=f"P{i}"))
    for i, vid in enumerate(GRADED_IDS, 1):
        v = by_id[vid]
        if v.kind != "graded":
            raise ValueError(f"{vid} is listed as a graded case but its file says kind = {v.kind!r}")
        cases.append(dict(v.public(), case=str(i)))
    return {"name": ASSIGNMENT, "cases": cases}


def answer_key(vignettes: list[Vignette] | None = None) -> dict[str, ProblemArea]:
    """Graded case number -> area. Instructor-only: used to build the source and the sample class."""
    by_id = {v.id: v for v in (vignettes or load_vignettes())}
    return {str(i): by_id[vid].primary_area for i, vid in enumerate(GRADED_IDS, 1)}


INTRO = """
# Assignment 1: Choosing the problem area

**Time:** about 60-75 minutes. **Points:** 12 (8 autograded, 4 graded by your instructor).

After this assignment you can:
1. name the four IPT problem areas and what defines each (grief, role dispute, role transition, interpersonal deficits);
2. find the cues in a case that point to one area, including **the interpersonal event closest to symptom onset**;
3. tell apart the cases that students most often confuse: a loss that is not a death, withdrawal after a life
   event, a conflict that arose inside a change;
4. justify a classification in writing, as you would in a case formulation.

These skills belong to the initial phase of IPT: the interpersonal inventory leads to an interpersonal
formulation that links the depression to one problem area (Weissman et al., 2018; Focus review, 2006; ISIPT, n.d.-b).

**How this notebook works**
- Run each cell with **Shift+Enter**, from the top. Before you submit: **Kernel → Restart Kernel and Run All Cells**.
- Part A is practice: you get feedback at once, and nothing you do there counts.
- Part B is graded: write each answer between quotes. The check under each answer tells you only whether your
  answer *can be read* (for example `"Role disputes"` reads as `'role dispute'`); whether it is right is decided
  at grading. A misspelling costs nothing once you fix it; a wrong area costs the point.
- Part C is a short written answer graded with the rubric shown.

All cases are fictional. Some describe depression and loss; look after yourself as you read.
"""

SETUP = """
# Set-up: run this cell first (it loads the cases for this assignment).
import ipt_lib
cases = ipt_lib.load_deck("cases.json")
print(f"Loaded {len(cases)} cases. If you see this line, you are ready.")
"""

AREAS = """
## The four problem areas on one screen

Run the next cell to see each area's definition, typical cues, goals and strategies (from the course reference; Weissman et al., 2018; ISIPT, n.d.-b). Come back to it whenever you hesitate.
"""

PRACTICE_INTRO = """
## Part A: Practice (not graded)

Read each case, type the area you would choose between the quotes, and run the cell. You get feedback at once:
why your answer fits or what distinction to look at again. Try again as often as you like. If you are stuck,
`cases.reveal("P1")` shows the answer and the cues.
"""

GRADED_INTRO = """
## Part B: Classify eight cases (8 points, autograded)

For each case: read the card, then replace the `...` in the answer cell with the area **in quotes**, for example
`"role transition"`. Any usual way of writing an area is accepted (`"Grief"`, `"role disputes"`,
`"interpersonal sensitivity"`); two areas at once are not. Then run the check cell below it.

Each case is worth **1 point**, scored separately: a wrong case does not cost you the others.
"""

RUBRIC = [
    ("1", "names an area that the cues and the definitions support (Weissman et al., 2018; ISIPT, n.d.-b)"),
    ("1", "quotes at least two cues from the case, says what each shows, and links the interpersonal event to the "
          "onset of symptoms, with its timing"),
    ("1", "names a plausible alternative area and gives a reason, grounded in the case, why it is not the focus"),
    ("1", "covers diagnosis, risk and medication: a standard scale for the diagnosis; asking about thoughts of death "
          "or self-harm, with further assessment, a safety plan and the supervisor told if positive; and the "
          "medication question"),
]

JUSTIFY = f"""
## Part C: Justify one classification ({MANUAL_POINTS} points, graded by your instructor)

Take **Case {JUSTIFY_CASE}**. In 150-250 words, write the interpersonal formulation you would put to the client:

1. the problem area you chose;
2. at least two cues, quoted from the case, and what each shows;
3. how the timing of the interpersonal event relates to the onset of symptoms (Focus review, 2006; Markowitz, 2016);
4. the most plausible other area, and why it is not the focus (Weissman et al., 2018);
5. diagnosis, risk and medication: the diagnosis you would confirm with a standard scale (and its band, if the
   case gives a score); how you would ask about thoughts of death or self-harm, and what you would do if the
   answer were positive; and whether the need for medication should be assessed (Weissman et al., 2018; Simon et al., 2013; Focus review, 2006).

**Rubric** (the grader sees this same rubric; 1 point each):

{rubric_table(("Points", "The answer ..."), RUBRIC)}
A model answer is not shown; your instructor's comments come back with your feedback.
"""

CHECKLIST = """
## Before you submit

1. Every answer in Part B is in quotes and its check cell printed "your answer reads as ...".
2. Part C has your written answer (no "YOUR ANSWER HERE" left).
3. **Kernel → Restart Kernel and Run All Cells** runs to the end without an error in Part B's checks.
4. Save the notebook (Ctrl+S / Cmd+S).
5. In the **Assignments** tab, press **Validate**, then **Submit**. You may submit again before the deadline; the
   last submission counts.

**Key points:** the problem area is chosen from the event closest to symptom onset and what matters most to the
client; a death is grief, a loss that is not a death is a role transition; interpersonal deficits is used only
when no other area applies.
"""


def build_notebook(vignettes: list[Vignette]) -> nbformat.NotebookNode:
    key = answer_key(vignettes)
    cells = [
        _md("intro", INTRO),
        _code("setup", SETUP, locked=True),
        _md("areas-intro", AREAS),
        _code("areas", "for area in ipt_lib.ProblemArea:\n    display(ipt_lib.show_area(area))"),
        _md("practice-intro", PRACTICE_INTRO),
    ]
    for i in range(1, len(PRACTICE_IDS) + 1):
        cells.append(_md(f"practice-{i}-title", f"### Practice case P{i}"))
        cells.append(_code(f"practice-{i}-card", f'cases.card("P{i}")'))
        cells.append(_code(f"practice-{i}-check", f'cases.check("P{i}", "")   # type your answer between the quotes'))
    cells.append(_md("graded-intro", GRADED_INTRO))
    for case, area in key.items():
        cells.append(_md(f"case-{case}-title", f"### Case {case} (1 point)"))
        cells.append(_code(f"case-{case}-card", f'cases.card("{case}")', locked=True))
        cells.append(_code(
            f"case_{case}_answer",
            f"# Your answer for Case {case}: replace the ... with the area in quotes.\n"
            f"case_{case} = (\n    ### BEGIN SOLUTION\n    {area.label!r}\n    ### END SOLUTION\n)",
            solution=True,
        ))
        cells.append(_keyed_test(
            f"case_{case}_test",
            f"Case {case}: checks that your answer names one problem area (the format);\n"
            "whether it is the right area is checked at grading.",
            "check_answer_format", f'"case_{case}"', "assert_area", f'"case_{case}", {area.label!r}'))
    cells.append(_md("justify-question", JUSTIFY, locked=True))
    cells.append(_md(
        "justify_answer",
        "### BEGIN SOLUTION\n"
        "*For graders only (removed from the student version): see the case's rationale in data/vignettes; "
        "full marks need all four rubric elements.*\n"
        "### END SOLUTION",
        solution=True, grade=True, points=MANUAL_POINTS,
    ))
    cells.append(_md("checklist", CHECKLIST))
    return _notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    """Write the assignment source, its case file, and the packaged practice deck. Returns the paths written."""
    root = root or repo_root()
    vignettes = load_vignettes(root / "data" / "vignettes")
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    nb_path = folder / NOTEBOOK
    nbformat.write(build_notebook(vignettes), nb_path)
    written.append(nb_path)
    deck_path = folder / DECK
    deck_path.write_text(json.dumps(assignment_deck(vignettes), indent=1, ensure_ascii=False) + "\n", "utf-8")
    written.append(deck_path)
    practice_path = root / "ipt_lib" / "_data" / "practice_cases.json"
    practice = {"name": "practice", "cases": practice_deck_records(vignettes)}
    practice_path.write_text(json.dumps(practice, indent=1, ensure_ascii=False) + "\n", "utf-8")
    written.append(practice_path)
    return written
