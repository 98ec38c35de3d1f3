"""Assignment 1 (problem-area classification): its notebook and case files, built from data/.

``ipt-course build`` writes source/a1_problem_areas/ and ipt_lib/_data/practice_cases.json;
a test checks that what is committed is what this module builds now.
The answer key is read from data/vignettes and appears only in the instructor's
source notebook (solution cells and hidden tests).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import nbformat

from ..problem_areas import ProblemArea
from ..vignettes import Vignette, load_vignettes
from .cells import code, keyed_test, md, notebook, prose, repo_root
from .rubric import markdown_rubric

ASSIGNMENT = "a1_problem_areas"
NOTEBOOK = "problem_areas.ipynb"
DECK = "cases.json"

# Which vignettes the assignment uses (ids in data/vignettes). One practice case per area; two graded per area.
PRACTICE_IDS = ("V11", "V41", "V02", "V12")
GRADED_IDS = ("V07", "V43", "V30", "V16", "V09", "V10", "V01", "V25")
JUSTIFY_CASE = "2"  # the graded case students justify in writing
MANUAL_POINTS = 4


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


def cycle_key(root: Path) -> dict[str, ProblemArea]:
    """The key the sample class is graded against, read from ``root``'s data/vignettes."""
    return answer_key(load_vignettes(root / "data" / "vignettes"))


def item_vignettes() -> dict[str, str]:
    """Graded test cell -> the vignette it asks about (for the item analysis)."""
    return {f"case_{i}_test": vid for i, vid in enumerate(GRADED_IDS, 1)}


SETUP = """
# Set-up: run this cell first (it loads the cases for this assignment).
import ipt_lib
cases = ipt_lib.load_deck("cases.json")
print(f"Loaded {len(cases)} cases. If you see this line, you are ready.")
"""


def build_notebook(vignettes: list[Vignette], root: Path | None = None) -> nbformat.NotebookNode:
    root = root or repo_root()
    key = answer_key(vignettes)

    text = partial(prose, root, ASSIGNMENT)
    cells = [
        md("intro", text("intro")),
        code("setup", SETUP, locked=True),
        md("areas-intro", text("areas-intro")),
        code("areas", "for area in ipt_lib.ProblemArea:\n    display(ipt_lib.show_area(area))"),
        md("practice-intro", text("practice-intro")),
    ]
    for i in range(1, len(PRACTICE_IDS) + 1):
        cells.append(md(f"practice-{i}-title", f"### Practice case P{i}"))
        cells.append(code(f"practice-{i}-card", f'cases.card("P{i}")'))
        cells.append(code(f"practice-{i}-check", f'cases.check("P{i}", "")   # type your answer between the quotes'))
    cells.append(md("graded-intro", text("graded-intro")))
    for case, area in key.items():
        cells.append(md(f"case-{case}-title", f"### Case {case} (1 point)"))
        cells.append(code(f"case-{case}-card", f'cases.card("{case}")', locked=True))
        cells.append(code(
            f"case_{case}_answer",
            f"# Your answer for Case {case}: replace the ... with the area in quotes.\n"
            f"case_{case} = (\n    ### BEGIN SOLUTION\n    {area.label!r}\n    ### END SOLUTION\n)",
            solution=True,
        ))
        cells.append(keyed_test(
            f"case_{case}_test",
            f"Case {case}: checks that your answer names one problem area (the format);\n"
            "whether it is the right area is checked at grading.",
            "check_answer_format", f'"case_{case}"', "assert_area", f'"case_{case}", {area.label!r}'))
    rubric = markdown_rubric(text("justify-rubric"))
    cells.append(md("justify-question", text("justify-question", points=MANUAL_POINTS, case=JUSTIFY_CASE,
                                             rubric=rubric), locked=True))
    cells.append(md(
        "justify_answer",
        "### BEGIN SOLUTION\n"
        "*For graders only (removed from the student version): see the case's rationale in data/vignettes; "
        "full marks need all four rubric elements.*\n"
        "### END SOLUTION",
        solution=True, grade=True, points=MANUAL_POINTS,
    ))
    cells.append(md("checklist", text("checklist")))
    return notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    """Write the assignment source, its case file, and the packaged practice deck. Returns the paths written."""
    root = root or repo_root()
    vignettes = load_vignettes(root / "data" / "vignettes")
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    nb_path = folder / NOTEBOOK
    nbformat.write(build_notebook(vignettes, root), nb_path)
    written.append(nb_path)
    deck_path = folder / DECK
    deck_path.write_text(json.dumps(assignment_deck(vignettes), indent=1, ensure_ascii=False) + "\n", "utf-8")
    written.append(deck_path)
    practice_path = root / "ipt_lib" / "_data" / "practice_cases.json"
    practice = {"name": "practice", "cases": practice_deck_records(vignettes)}
    practice_path.write_text(json.dumps(practice, indent=1, ensure_ascii=False) + "\n", "utf-8")
    written.append(practice_path)
    return written
