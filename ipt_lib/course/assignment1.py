"""Assignment 1 (problem-area classification): its notebook and case files, built from data/.

``ipt-course build`` writes source/a1_problem_areas/ and ipt_lib/_data/practice_cases.json;
a test checks that what is committed is what this module builds now.
The answer key is read from data/vignettes and appears only in the instructor's
source notebook (solution cells and hidden tests).

Which vignettes the practice and graded sets use is set in data/assignments/a1_problem_areas/sets.toml: a term's
``seed`` (the sets are then drawn by rule from the corpus, ``case_sets.draw_sets``) or the ids by hand; either way
they must meet the rules of ``case_sets.check_sets``, with every vignette another assignment or a lesson shows kept
out of the graded set.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import partial
from pathlib import Path

import nbformat

from ..problem_areas import ProblemArea
from ..vignettes import Vignette, load_vignettes
from .case_sets import CaseSetError, CaseSets, check_sets, draw_sets
from .cells import assignment_data, code, keyed_test, md, notebook, prose, repo_root
from .rubric import markdown_rubric

ASSIGNMENT = "a1_problem_areas"
NOTEBOOK = "problem_areas.ipynb"
DECK = "cases.json"

SETS = "sets.toml"  # in data/assignments/a1_problem_areas/: which vignettes this term's sets use
JUSTIFY_CASE = "2"  # the graded case students justify in writing
MANUAL_POINTS = 4
_VIGNETTE_ID = re.compile(r"\bV\d{2}\b")


def reserved_vignettes(root: Path | None = None) -> dict[str, str]:
    """Vignette id -> where students already see it (another assignment, or a lesson, often with its answer)."""
    from .registry import ASSIGNMENTS  # the registry lists this module: imported here, not at the top

    root = root or repo_root()
    reserved: dict[str, str] = {}
    for assignment in ASSIGNMENTS:
        if assignment.name != ASSIGNMENT and assignment.shows is not None:
            for vid in sorted(assignment.shows(root)):
                reserved.setdefault(vid, assignment.name)
    for lesson in sorted((root / "notebooks").glob("*.ipynb")):
        for vid in _VIGNETTE_ID.findall(lesson.read_text(encoding="utf-8")):
            reserved.setdefault(vid, f"the lesson {lesson.name}")
    return reserved


def case_sets(root: Path | None = None, vignettes: list[Vignette] | None = None) -> CaseSets:
    """This term's practice and graded sets, from sets.toml, checked against the rules (a CaseSetError if not)."""
    root = root or repo_root()
    path = assignment_data(root, ASSIGNMENT) / SETS
    vignettes = vignettes if vignettes is not None else load_vignettes(root / "data" / "vignettes")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CaseSetError(f"{path}: {exc}") from None
    reserved = reserved_vignettes(root)
    if "seed" in raw:
        if "practice" in raw or "graded" in raw:
            raise CaseSetError(f"{path}: give either a seed or the practice and graded ids, not both")
        try:
            return draw_sets(vignettes, str(raw["seed"]), reserved=reserved)
        except CaseSetError as exc:
            raise CaseSetError(f"{path}: {exc}") from None
    sets = CaseSets(tuple(raw.get("practice", ())), tuple(raw.get("graded", ())))
    problems = check_sets(sets, vignettes, reserved=reserved)
    if problems:
        raise CaseSetError(f"{path}: the sets break the rules:\n- " + "\n- ".join(problems))
    return sets


def practice_deck_records(vignettes: list[Vignette]) -> list[dict]:
    """Every practice vignette, answers included, numbered P1, P2, ..."""
    practice = [v for v in vignettes if v.kind == "practice"]
    return [dict(v.practice(), case=f"P{i}") for i, v in enumerate(practice, 1)]


def assignment_deck(vignettes: list[Vignette], sets: CaseSets) -> dict:
    by_id = {v.id: v for v in vignettes}
    cases = []
    for i, vid in enumerate(sets.practice, 1):
        cases.append(dict(by_id[vid].practice(), case=f"P{i}"))
    for i, vid in enumerate(sets.graded, 1):
        v = by_id[vid]
        if v.kind != "graded":
            raise ValueError(f"{vid} is listed as a graded case but its file says kind = {v.kind!r}")
        cases.append(dict(v.public(), case=str(i)))
    return {"name": ASSIGNMENT, "cases": cases}


def answer_key(vignettes: list[Vignette] | None = None, sets: CaseSets | None = None,
               root: Path | None = None) -> dict[str, ProblemArea]:
    """Graded case number -> area. Instructor-only: used to build the source and the sample class."""
    root = root or repo_root()
    vignettes = vignettes if vignettes is not None else load_vignettes(root / "data" / "vignettes")
    sets = sets or case_sets(root, vignettes)
    by_id = {v.id: v for v in vignettes}
    return {str(i): by_id[vid].primary_area for i, vid in enumerate(sets.graded, 1)}


def cycle_key(root: Path) -> dict[str, ProblemArea]:
    """The key the sample class is graded against, read from ``root``'s data/vignettes."""
    return answer_key(root=root)


def item_vignettes(course: Path) -> dict[str, str]:
    """Graded test cell -> the vignette it asks about, for the item analysis: read from the case file of the
    course's own source/ (what was released, even if data/ has changed since or is not at hand)."""
    try:
        deck = json.loads((course / "source" / ASSIGNMENT / DECK).read_text(encoding="utf-8"))
        return {f"case_{c['case']}_test": c["id"] for c in deck["cases"] if str(c["case"]).isdigit()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def shows(root: Path) -> set[str]:
    """The vignettes this assignment shows students."""
    sets = case_sets(root)
    return set(sets.practice) | set(sets.graded)


SETUP = """
# Set-up: run this cell first (it loads the cases for this assignment).
import ipt_lib
cases = ipt_lib.load_deck("cases.json")
print(f"Loaded {len(cases)} cases. If you see this line, you are ready.")
"""


def build_notebook(vignettes: list[Vignette], root: Path | None = None,
                   sets: CaseSets | None = None) -> nbformat.NotebookNode:
    root = root or repo_root()
    sets = sets or case_sets(root, vignettes)
    key = answer_key(vignettes, sets, root)

    text = partial(prose, root, ASSIGNMENT)
    cells = [
        md("intro", text("intro")),
        code("setup", SETUP, locked=True),
        md("areas-intro", text("areas-intro")),
        code("areas", "for area in ipt_lib.ProblemArea:\n    display(ipt_lib.show_area(area))"),
        md("practice-intro", text("practice-intro")),
    ]
    for i in range(1, len(sets.practice) + 1):
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
    sets = case_sets(root, vignettes)
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    nb_path = folder / NOTEBOOK
    nbformat.write(build_notebook(vignettes, root, sets), nb_path)
    written.append(nb_path)
    deck_path = folder / DECK
    deck_path.write_text(json.dumps(assignment_deck(vignettes, sets), indent=1, ensure_ascii=False) + "\n", "utf-8")
    written.append(deck_path)
    practice_path = root / "ipt_lib" / "_data" / "practice_cases.json"
    practice = {"name": "practice", "cases": practice_deck_records(vignettes)}
    practice_path.write_text(json.dumps(practice, indent=1, ensure_ascii=False) + "\n", "utf-8")
    written.append(practice_path)
    return written
