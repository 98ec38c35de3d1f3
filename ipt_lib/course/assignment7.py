"""Assignment 7 (fidelity and the therapist's reply): its notebook and the files it ships, built from data/fidelity
and data/drills.

Part A calibrates: the rating form, the practice excerpt F01 rated with immediate feedback by the grading rule
(``ipt_lib.grading.ratings``; F01's key is public), then its key and a worked rating. Part B rates three graded
excerpts, the same three for every student, each an answer cell (a dict literal, read by the grader with ``ast``),
a visible format check and a hidden keyed check (``assert_rating``) that ``StaticAnswerGrader`` re-does from the
gradebook's copy, so the keys never reach a kernel. Part C is four drills, each a Markdown answer graded by hand
with its rubric and a self-check of format the student runs; the rubric and the model replies sit in the answer
cell's hidden-test region (nbgrader keeps it in the gradebook and takes it out of release/) and are inserted after
the student's reply at autograde (``preprocessors.ShowDrillRubrics``), so the grader sees them in Formgrader and the
student in feedback only.

Why three fixed excerpts (of six): each takes 15-20 minutes to read and rate; F02 (grief, initial phase: advice
before exploration, a missed risk cue), F03 (role transition, middle: CBT techniques, no mood-event link) and F05
(role dispute, ending: no time-limit reminder, the focus lost) cover three areas, the three phases and six of the
seven lapse kinds; and one set for the whole class lets the item analysis compare every student's ratings with the
same key. F04, F06 and F07 stay unused for a later term or a resit.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import nbformat

from .cells import SHOWN_AFTER_GRADING, code, keyed_test, md, notebook, prose, repo_root

ASSIGNMENT = "a7_fidelity"
NOTEBOOK = "fidelity.ipynb"
CASES = "fidelity.json"
DRILLS_FILE = "drills.json"
PRACTICE_ID = "F01"
GRADED_IDS = ("F02", "F03", "F05")
DRILL_IDS = ("D01", "D02", "D03", "D05")  # a silence after a loss, anger at the time limit, hopelessness, advice
RATING_POINTS = 15
DRILL_POINTS = 3
MANUAL = {f"{d}_answer": DRILL_POINTS for d in DRILL_IDS}


def rating_name(excerpt_id: str) -> str:
    return f"rating_{excerpt_id.lower()}"


def _folders(root: Path) -> tuple[Path, Path]:
    return root / "data" / "fidelity", root / "data" / "drills"


def answer_key(root: Path | None = None) -> dict:
    """Instructor-only: {"rating_f02": {dimension: (score, [turns])}, ...} for the graded excerpts."""
    from .fidelity_key import load_key

    fidelity, _ = _folders(root or repo_root())
    return {rating_name(e): load_key(fidelity / f"{e.lower()}.toml").rating.as_literal() for e in GRADED_IDS}


SETUP = f"""
# Set-up: run this cell first.
from ipt_lib.fidelity import load_public
from ipt_lib.drills import load_public as load_drills, check_saved_reply
from ipt_lib.grading import check_rating, practice_rating
excerpts = load_public("{CASES}")
drills = load_drills("{DRILLS_FILE}")
print("Excerpts:", ", ".join(e.id for e in excerpts.excerpts), "| Drills:", ", ".join(drills))
"""


def _stub(name: str, comment: str) -> str:
    from ..fidelity import DIMENSIONS

    rows = "".join(f'    "{d}": (..., [...]),\n' for d in DIMENSIONS)
    return f"# {comment}\n{name} = {{\n{rows}}}"


def _solution(name: str, rating: dict) -> str:
    rows = "".join(f'    "{d}": ({s}, {list(t)}),\n' for d, (s, t) in rating.items())
    return f"{name} = {{\n{rows}}}"


def _excerpt_cells(bundle, excerpt_id: str, key: dict) -> list:
    e = bundle.excerpt(excerpt_id)
    name = rating_name(excerpt_id)
    note = " The card opens with a content note." if e.content_note else ""
    cells = [
        md(f"{excerpt_id}-title", f"### {excerpt_id}: {e.title} ({RATING_POINTS} points)\n\n{e.client.name}, "
                                  f"{e.client.age}; {e.problem_area}, {e.phase} phase, session {e.session} of "
                                  f"{e.planned_sessions}.{note}"),
        code(f"{excerpt_id}-show", f'excerpts.excerpt("{excerpt_id}")', locked=True),
        code(f"{name}_answer", _stub(name, "Score 1-5 and one to four turns for each dimension.")
             + f"\n### BEGIN SOLUTION\n{_solution(name, key[name])}\n### END SOLUTION", solution=True),
        keyed_test(f"{name}_test", "Checks that your rating can be read (format only);\nwhether it is right is "
                   "checked at grading.", "check_rating", f"{name!r}, {excerpt_id!r}", "assert_rating",
                   f"{name!r}, {excerpt_id!r}, {max(e.turn_numbers)}, {key[name]!r}, {RATING_POINTS}",
                   points=RATING_POINTS),
    ]
    return cells


def _drill_cells(drill_key) -> list:
    from .drill_feedback import feedback_markdown

    d = drill_key.drill
    return [
        code(f"{d.id}-show", f'drills["{d.id}"]', locked=True),
        md(f"{d.id}-question", f"**Your reply to {d.id}** ({DRILL_POINTS} points, graded by your instructor with a "
                               "rubric): write the words you would say next in the cell below, then save.",
           locked=True),
        md(f"{d.id}_answer", f"### BEGIN SOLUTION\n{drill_key.models[0].reply}\n### END SOLUTION\n"
                             f"### BEGIN HIDDEN TESTS\n{SHOWN_AFTER_GRADING}\n\n{feedback_markdown(drill_key)}\n"
                             "### END HIDDEN TESTS", solution=True, grade=True, points=DRILL_POINTS),
        code(f"{d.id}-check", f'# Save the notebook first: the self-check reads the saved cell.\n'
                              f'check_saved_reply("{d.id}", "{NOTEBOOK}")'),
    ]


def build_notebook(root: Path) -> nbformat.NotebookNode:
    from ..fidelity import load_public_folder
    from ..grading.ratings import RULE
    from .drill_feedback import load_drill_key

    text = partial(prose, root, ASSIGNMENT)
    fidelity, drills = _folders(root)
    bundle = load_public_folder(fidelity)
    key = answer_key(root)
    auto = RATING_POINTS * len(GRADED_IDS)
    manual = DRILL_POINTS * len(DRILL_IDS)
    per_dimension = RATING_POINTS / 5
    cells = [
        md("content-note", text("content-note")),
        md("intro", text("intro", total=auto + manual, auto=auto, manual=manual, part_b=auto,
                         excerpts=len(GRADED_IDS), per_excerpt=RATING_POINTS, drills=len(DRILL_IDS),
                         per_drill=DRILL_POINTS)),
        code("setup", SETUP, locked=True),
        md("part-a", text("part-a")),
        code("form-show", "excerpts.form", locked=True),
        md("practice", text("practice")),
        code(f"{PRACTICE_ID}-show", f'excerpts.excerpt("{PRACTICE_ID}")', locked=True),
        code("practice-answer", _stub(rating_name(PRACTICE_ID), "Your practice rating (not graded).")),
        code("practice-check", f'practice_rating("{rating_name(PRACTICE_ID)}", "{PRACTICE_ID}")'),
        md("practice-key", text("practice-key")),
        code("practice-key-show", f'excerpts.calibration("{PRACTICE_ID}")', locked=True),
        md("part-b", text("part-b", excerpts=len(GRADED_IDS), points=auto, per_excerpt=RATING_POINTS,
                          per_dimension=f"{per_dimension:g}", score_points=f"{RULE.score_points:g}",
                          near_points=f"{RULE.near_points:g}", lapse_line=RULE.lapse_line,
                          turn_points=f"{RULE.turn_points:g}")),
    ]
    for excerpt_id in GRADED_IDS:
        cells += _excerpt_cells(bundle, excerpt_id, key)
    cells.append(md("part-c", text("part-c", points=manual, per_drill=DRILL_POINTS)))
    for drill_id in DRILL_IDS:
        cells += _drill_cells(load_drill_key(drills / f"{drill_id.lower()}.toml"))
    cells.append(md("checklist", text("checklist")))
    return notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    from .. import drills as drill_module
    from ..fidelity import load_public_folder, write_public

    root = root or repo_root()
    fidelity, drills = _folders(root)
    bundle = load_public_folder(fidelity)
    if bundle.excerpt(PRACTICE_ID).use != "practice":
        raise ValueError(f"{PRACTICE_ID} must be a practice excerpt (its key is shown)")
    for excerpt_id in GRADED_IDS:
        if bundle.excerpt(excerpt_id).use != "graded":
            raise ValueError(f"{excerpt_id} must be a graded excerpt")
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(root), folder / NOTEBOOK)
    write_public(folder / CASES, bundle, ids=(PRACTICE_ID,) + GRADED_IDS, name=ASSIGNMENT)
    chosen = tuple(d for d in drill_module.load_drills(drills) if d.id in DRILL_IDS)
    drill_module.write_public(folder / DRILLS_FILE, chosen, name=ASSIGNMENT)
    return [folder / NOTEBOOK, folder / CASES, folder / DRILLS_FILE]
