"""Assignment 5 (IPT beside CBT and DBT): a matching exercise and a case discussion, built from data/.

The matching answers are read from the answer cell's text in the grader's process (``assert_labels`` with the
"approach" kind), with partial credit per statement. The key is data/assignments/a5_approaches.toml (instructor-only).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import nbformat

from ..vignettes import load_vignettes
from .assignment1 import _code, _keyed_test, _md, _notebook, repo_root

ASSIGNMENT = "a5_approaches"
NOTEBOOK = "approaches.ipynb"
DECK = "case.json"
KEY_FILE = Path("data") / "assignments" / "a5_approaches.toml"
MANUAL_POINTS = 4


def answer_key(root: Path | None = None) -> dict:
    root = root or repo_root()
    raw = tomllib.loads((root / KEY_FILE).read_text(encoding="utf-8"))
    return {"matching": {i: s["approach"] for i, s in enumerate(raw["statements"], 1)},
            "statements": [s["text"] for s in raw["statements"]], "points": raw["points"], "case_id": raw["case_id"],
            "part_a_case": " ".join(raw["part_a_case"].replace("\\\n", " ").split())}


INTRO = f"""
# Assignment 5: IPT beside CBT and DBT

**Time:** about 45 minutes. **Points:** 8 (4 autograded, {MANUAL_POINTS} graded by your instructor). Open book: the
lesson `06_ipt_beside_cbt_and_dbt` and the course reference (Counseling Today, 2015; Stuart, 2006) may be used.

After this assignment you can:
1. say what IPT, CBT and DBT each target, and how their formats and original populations differ (Counseling Today, 2015; Stuart, 2006);
2. use the evidence on when IPT may fit less well to discuss integrating approaches for one client (Stuart, 2006; Weissman et al., 2018; Weissman & Klerman, 1990).

**How it is graded.** Part A's answers are read from the text of the answer cell (write IPT, CBT or DBT in quotes; full names are accepted too). The check only says whether every answer can be read. Each statement is worth an
equal share of the 4 points.
"""

SETUP = f"""
# Set-up: run this cell first.
import ipt_lib
case = ipt_lib.load_deck("{DECK}")
"""

PART_A = """
## Part A: Which approach, for this client? (4 points, autograded)

Read the short case. Each statement describes one way a therapist might work with Lucía; say which approach it
comes from: IPT, CBT (Beck) or DBT (Linehan). Each statement fits exactly one of the three (Stuart, 2006; Weissman & Klerman, 1990). The
statements describe what each approach would do, not what Lucía needs: whether DBT would suit her is not the
question.

> {case}

{statements}
"""

PART_B = f"""
## Part B: Integrating approaches for one client ({MANUAL_POINTS} points, graded by your instructor)

Read the case below. In 200-300 words: which IPT focus does the case suggest and why; what CBT or DBT would target
for this client instead; what the evidence says about when IPT may fit less well, and what it does not say; and how
you would sequence or combine approaches, with the point at which you would review progress.

**Rubric** (1 point each): (1) an IPT focus justified by cues in the case (Weissman et al., 2018; ISIPT, n.d.-b); (2) what CBT or DBT would target,
from the comparison (Counseling Today, 2015; Stuart, 2006); (3) the evidence on fit used accurately and with its limits: for example poorer
outcomes in an interpersonal-deficits focus and offering another effective treatment to non-responders (Weissman et al., 2018; Termination chapter, n.d.; Counseling Today, 2015), and that no formal client-readiness checklist was found in the manuals (Weissman et al., 2018; Stuart & Robertson, 2012); (4) a concrete plan with
a review point measured by a scale given at intake and repeated (Weissman et al., 2018; IPT Institute, n.d.-a; Focus review, 2006).
"""

CHECKLIST = """
## Before you submit

1. The check in Part A printed "read as".
2. Part B has your written discussion.
3. **Kernel → Restart Kernel and Run All Cells**, then save, then **Validate** and **Submit**.

**Key points:** IPT targets interpersonal communication and relationships tied to onset; CBT targets cognitions and
behaviour; DBT targets skills deficits in emotion regulation and behaviour, in four modes (Counseling Today, 2015; Stuart, 2006).
"""


def build_notebook(key: dict) -> nbformat.NotebookNode:
    matching = key["matching"]
    statements = "\n".join(f"{i}. {text}" for i, text in enumerate(key["statements"], 1))
    stub = ",\n".join(f"    {i}: ..." for i in matching)
    solution = ",\n".join(f"    {i}: {a!r}" for i, a in matching.items())
    cells = [
        _md("intro", INTRO),
        _code("setup", SETUP, locked=True),
        _md("part-a", PART_A.format(case=key["part_a_case"], statements=statements), locked=True),
        _code("matching_answer", f"# Statement number: 'IPT', 'CBT' or 'DBT'.\nmatching = {{\n{stub},\n}}\n"
                                 f"### BEGIN SOLUTION\nmatching = {{\n{solution},\n}}\n### END SOLUTION",
              solution=True),
        _keyed_test("matching_test", "Checks that every statement's answer can be read (format only);\nwhether "
                    "it is right is checked at grading.", "check_labels", f"'matching', 'approach', {list(matching)!r}",
                    "assert_labels", f"'matching', {matching!r}, 'approach', {key['points']}", points=key["points"]),
        _md("part-b", PART_B, locked=True),
        _code("case-card", 'case.card("1")', locked=True),
        _md("discussion_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student version): full "
                                 "marks need all four rubric elements.*\n### END SOLUTION",
            solution=True, grade=True, points=MANUAL_POINTS),
        _md("checklist", CHECKLIST),
    ]
    return _notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    key = answer_key(root)
    vignette = {v.id: v for v in load_vignettes(root / "data" / "vignettes")}[key["case_id"]]
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(key), folder / NOTEBOOK)
    deck = {"name": ASSIGNMENT, "cases": [dict(vignette.public(), case="1")]}
    (folder / DECK).write_text(json.dumps(deck, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return [folder / NOTEBOOK, folder / DECK]
