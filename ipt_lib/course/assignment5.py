"""Assignment 5 (IPT beside CBT and DBT): a matching exercise and a case discussion, built from data/.

The matching answers are read from the answer cell's text in the grader's process (``assert_labels`` with the
"approach" kind), with partial credit per statement. The key is data/assignments/a5_approaches/key.toml
(instructor-only).
"""

from __future__ import annotations

import json
import tomllib
from functools import partial
from pathlib import Path

import nbformat

from ..vignettes import load_vignettes
from .cells import assignment_data, code, keyed_test, md, notebook, prose, repo_root

ASSIGNMENT = "a5_approaches"
NOTEBOOK = "approaches.ipynb"
DECK = "case.json"
MANUAL_POINTS = 4


def answer_key(root: Path | None = None) -> dict:
    root = root or repo_root()
    raw = tomllib.loads((assignment_data(root, ASSIGNMENT) / "key.toml").read_text(encoding="utf-8"))
    return {"matching": {i: s["approach"] for i, s in enumerate(raw["statements"], 1)},
            "statements": [s["text"] for s in raw["statements"]], "points": raw["points"], "case_id": raw["case_id"],
            "part_a_case": " ".join(raw["part_a_case"].replace("\\\n", " ").split())}


def shows(root: Path) -> set[str]:
    """The vignette this assignment shows students (Part B's case)."""
    return {answer_key(root)["case_id"]}


SETUP = f"""
# Set-up: run this cell first.
import ipt_lib
case = ipt_lib.load_deck("{DECK}")
"""


def build_notebook(key: dict, root: Path | None = None) -> nbformat.NotebookNode:
    text = partial(prose, root or repo_root(), ASSIGNMENT)
    matching = key["matching"]
    statements = "\n".join(f"{i}. {statement}" for i, statement in enumerate(key["statements"], 1))
    stub = ",\n".join(f"    {i}: ..." for i in matching)
    solution = ",\n".join(f"    {i}: {a!r}" for i, a in matching.items())
    cells = [
        md("intro", text("intro", points=MANUAL_POINTS)),
        code("setup", SETUP, locked=True),
        md("part-a", text("part-a", case=key["part_a_case"], statements=statements), locked=True),
        code("matching_answer", f"# Statement number: 'IPT', 'CBT' or 'DBT'.\nmatching = {{\n{stub},\n}}\n"
                                 f"### BEGIN SOLUTION\nmatching = {{\n{solution},\n}}\n### END SOLUTION",
              solution=True),
        keyed_test("matching_test", "Checks that every statement's answer can be read (format only);\nwhether "
                    "it is right is checked at grading.", "check_labels", f"'matching', 'approach', {list(matching)!r}",
                    "assert_labels", f"'matching', {matching!r}, 'approach', {key['points']}", points=key["points"]),
        md("part-b", text("part-b", points=MANUAL_POINTS), locked=True),
        code("case-card", 'case.card("1")', locked=True),
        md("discussion_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student version): full "
                                 "marks need all four rubric elements.*\n### END SOLUTION",
            solution=True, grade=True, points=MANUAL_POINTS),
        md("checklist", text("checklist")),
    ]
    return notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    key = answer_key(root)
    vignette = {v.id: v for v in load_vignettes(root / "data" / "vignettes")}[key["case_id"]]
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(key, root), folder / NOTEBOOK)
    deck = {"name": ASSIGNMENT, "cases": [dict(vignette.public(), case="1")]}
    (folder / DECK).write_text(json.dumps(deck, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return [folder / NOTEBOOK, folder / DECK]
