"""Assignment 3 (analysing an IPT caseload): its notebook and data files, built from data/.

The answers are computed by the student's code, so they can only be checked by running it. The hidden check
``assert_computed(name, key, ...)`` is taken out of the cell before the kernel runs (``SealComputedKeys``) and the
value the kernel reports is compared with the key in the grader's process (``StaticAnswerGrader``).

The key and the model solutions are in data/assignments/a3_caseload.py (instructor-only, never in this package).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import nbformat

from .assignment1 import _code, _md, _notebook, repo_root

ASSIGNMENT = "a3_caseload"
NOTEBOOK = "caseload.ipynb"
DATA_FILES = ("clients.csv", "scores.csv")
KEY_MODULE = Path("data") / "assignments" / "a3_caseload.py"
FIGURE_POINTS = 3
INTERPRET_POINTS = 4


def key_module(root: Path | None = None):
    """data/assignments/a3_caseload.py, loaded from the repository (it is not part of the package)."""
    path = (root or repo_root()) / KEY_MODULE
    spec = importlib.util.spec_from_file_location("_ipt_a3_key", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer_key(root: Path | None = None) -> dict[str, dict]:
    import pandas as pd

    root = root or repo_root()
    folder = root / "data" / "cohort"
    return key_module(root).answer_key(pd.read_csv(folder / "clients.csv"), pd.read_csv(folder / "scores.csv"))


INTRO = f"""
# Assignment 3: Analysing an IPT caseload

**Time:** about 90 minutes. **Points:** 17 (10 autograded, 7 graded by your instructor).

After this assignment you can:
1. compute response and remission the way trials define them, and say who is counted (Frank et al., 1991; Kroenke et al., 2001; ICSI, n.d.);
2. compare outcomes between problem areas and settings, and time to response;
3. measure the lag from an interpersonal event to symptom onset (Focus review, 2006; Markowitz, 2016);
4. find clients who got worse, draw a trajectory figure, and say what a caseload like this can and cannot show.

**The data are synthetic.** `clients.csv` and `scores.csv` describe 320 fictional clients made by a program for
teaching (its assumptions are listed in the course's data/cohort/README.md). No number here is evidence about IPT.

**How it is graded.** Each answer is a variable you compute with pandas. The check under it tells you only whether
your answer can be read (a proportion between 0 and 1, a number, a table by area, a list of ids); it is compared with
the course team's value when your notebook is graded, with the tolerance stated in each question. Feedback
explains a typical mistake without giving the number. Compute from the data: a typed-in number gets no
credit for the method, and your instructor reads the code.
"""

SETUP = """
# Set-up: run this cell first. It loads the two tables and the course's measurement helpers.
import pandas as pd
import matplotlib.pyplot as plt
from ipt_lib.measures import severity, is_response, is_remission, phase_of_session
from ipt_lib.plots import shade_phases

clients = pd.read_csv("clients.csv", parse_dates=["intake_date", "event_date", "onset_date"])
scores = pd.read_csv("scores.csv", parse_dates=["date"])
phq = scores[scores["measure"] == "PHQ-9"]       # every attended session
hamd = scores[scores["measure"] == "HAM-D-17"]   # intake, mid-point and last planned session
print(f"{len(clients)} clients, {len(phq)} PHQ-9 scores, {len(hamd)} HAM-D-17 scores")
clients.head()
"""

EXPLORE = """
## Part A: Get to know the data (not graded)

Look before you compute. Useful starts: `clients["problem_area"].value_counts()`,
`clients["dropped_out"].value_counts()`, `phq.groupby("session")["score"].mean()`, and the rows of one client:
`scores[scores["client_id"] == "C001"]`. Notice that a missed session has no row, that drop-outs have no scores after
they stop, and that some clients have no interpersonal event (`event_date` is empty).

Definitions you will need (Kroenke et al., 2001; ICSI, n.d.):
- **PHQ-9** totals run 0-27; bands 0-4 none-minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe,
  20-27 severe (Kroenke 2001). `severity("PHQ-9", 12)` gives the band.
- **Response**: a PHQ-9 at least 50% below the baseline (session 1) score ("50% or greater", ICSI).
  `is_response(baseline, score)`.
- **Remission**: PHQ-9 below 5 (ICSI); on the HAM-D-17, 7 or less (1991 consensus).
  `is_remission("PHQ-9", score)`.
- A client's **final** PHQ-9 is the score at their last attended session.
"""

QUESTIONS = {
    "response_rate": ("Response rate (intention to treat)", """
What proportion of **all 320 clients** responded by the end of treatment? A client responded if they **completed**
treatment and their final PHQ-9 is at least 50% below their session-1 score. A drop-out counts as a non-responder,
whatever their last score (intention to treat). Give a proportion between 0 and 1 (tolerance ±0.006).
"""),
    "remission_rate": ("Remission rate (intention to treat)", """
What proportion of all clients **completed** treatment with a final PHQ-9 **below 5**? Drop-outs count as not
remitted. Proportion, tolerance ±0.006.
"""),
    "response_by_area": ("Response by problem area", """
The response rate of question 1 (intention to treat) for each problem area: a pandas Series or a dict with one
proportion per area, keyed by the area's name. Tolerance ±0.006 each; the 2 points are shared equally between the
four areas.
"""),
    "median_weeks_to_response": ("Time to response", """
Among the clients who reached response **at any session** (drop-outs included), what is the median number of
weeks from intake to the **first** session at which their PHQ-9 was at least 50% below baseline? Count weeks as
session number minus 1 (session 1 is week 0). Tolerance ±0.25 weeks.
"""),
    "dropout_by_setting": ("Drop-out by setting", """
For each setting (`individual`, `group`), what proportion **of that setting's clients** dropped out? A Series or
dict keyed by setting. Tolerance ±0.006 each; half a point each.
"""),
    "median_lag_days": ("From interpersonal event to onset", """
IPT links the onset of symptoms to an interpersonal event (Focus review, 2006; Markowitz, 2016). For the clients with a dated event, what is
the median number of days from the event to onset (`onset_date - event_date`)? The lag is negative when the event
came after onset: keep the sign. Clients with no acute event have no event date: leave them out.
Tolerance ±0.5 days.
"""),
    "hamd_remission_completers": ("Remission on the HAM-D-17", """
Among clients who **completed** treatment and have a HAM-D-17 at their last planned session, what proportion had
a HAM-D-17 of **7 or less** there (Frank et al., 1991; McIntyre et al., 2002)? Proportion, tolerance ±0.006.
"""),
    "deteriorated": ("Who got worse?", """
List the ids of every client whose **final** PHQ-9 (last attended session, drop-outs included) is in a **more
severe band** than their session-1 score. A list (or Series, or set) of ids such as `["C001", "C017"]`. Partial
credit: the 2 points times the overlap between your list and the course team's (shared ids divided by all ids
named in either).
"""),
}

KIND_HELP = {
    "proportion": "a proportion between 0 and 1",
    "number": "a number",
    "by_area": "one proportion per problem area",
    "by_setting": "one proportion per setting",
    "ids": "a list of client ids",
}

FIGURE = f"""
## Part C: A trajectory figure ({FIGURE_POINTS} points, graded by your instructor)

Draw the **mean PHQ-9 at each session for each problem area** on one set of axes, with the phases of treatment
shaded (you may call `shade_phases(ax, planned_sessions=16)`; compute and draw the means yourself).

**Rubric** (1 point each): (1) the right quantity: mean PHQ-9 by session, one line per area, from the data;
(2) readable: axis labels with the scale's range, a legend, a title, lines that can be told apart without colour
(markers or line styles); (3) honest: a caption or note saying who is in each mean (drop-outs leave the later
sessions; some courses end at session 12), and the phases shaded.
"""

INTERPRET = f"""
## Part D: What can and cannot be concluded? ({INTERPRET_POINTS} points, graded by your instructor)

In 150-250 words: what can and cannot be concluded from this **non-randomised** caseload about how well IPT works,
about differences between problem areas, and about group versus individual IPT?

**Rubric** (1 point each): (1) without a comparison group, improvement cannot be attributed to IPT (people also
improve without treatment, and people who start treatment when at their worst tend to score lower later);
(2) differences between areas or settings may reflect who was in them (age, severity, population) or chance, not
the area or format itself; (3) who is counted changes the answer: intention to treat versus completers, and
definitions of response and remission that differ between studies (Psychiatric Services report, 2011; PHQ-9 outcome definitions abstract, n.d.); (4) links the pattern to the
reference with due caution, for example that interpersonal deficits doing worse agrees with the reference (Weissman et al., 2018),
but synthetic teaching data cannot support it.
"""

CHECKLIST = """
## Before you submit

1. Every check cell printed "reads as ..." (or told you what to fix).
2. Your answers are computed from `clients` and `scores`, not typed in.
3. **Kernel → Restart Kernel and Run All Cells**, then save, then **Validate** and **Submit**.

**Key points:** say who is counted (intention to treat or completers) and which definition you use; a caseload
without a comparison group describes change, it does not show what caused it.
"""


def _computed_test(name: str, item: dict) -> nbformat.NotebookNode:
    kind = item["kind"]
    cell = _code(
        f"{name}_test",
        f'"""Checks that {name} can be read as {KIND_HELP[kind]} (format only);\n'
        'whether it is right is checked at grading."""\n'
        "from ipt_lib.grading import check_computed\n"
        f"check_computed({name!r}, {kind!r})\n"
        "### BEGIN HIDDEN TESTS\n"
        "from ipt_lib.grading import assert_computed\n"
        f"assert_computed({name!r}, {item['expected']!r}, {kind!r}, {item['tol']!r}, {item['mistakes']!r}, "
        f"{item['points']!r})\n"
        "### END HIDDEN TESTS",
        grade=True, locked=True, points=item["points"],
    )
    cell.metadata["tags"] = ["raises-exception"]
    return cell


def build_notebook(key: dict[str, dict], solutions: dict[str, str], figure_solution: str) -> nbformat.NotebookNode:
    cells = [_md("intro", INTRO), _code("setup", SETUP, locked=True), _md("explore", EXPLORE),
             _code("explore-code", "# Explore here (not graded).\n")]
    cells.append(_md("part-b", "## Part B: Outcomes (10 points, autograded)\n\nEach question builds on the "
                               "tables from the set-up cell; you may reuse variables from earlier answers."))
    for number, (name, item) in enumerate(key.items(), 1):
        title, text = QUESTIONS[name]
        points = item["points"]
        cells.append(_md(f"{name}-question", f"### {number}. {title} ({points} point{'s' if points != 1 else ''})\n"
                                             + text.strip("\n")))
        cells.append(_code(
            f"{name}_answer",
            f"# Compute {name} from the data ({KIND_HELP[item['kind']]}).\n{name} = ...\n"
            f"### BEGIN SOLUTION\n{solutions[name].strip()}\n### END SOLUTION",
            solution=True))
        cells.append(_computed_test(name, item))
    cells.append(_md("figure-question", FIGURE, locked=True))
    cells.append(_code("figure_answer", "### BEGIN SOLUTION\n" + figure_solution.strip() + "\n### END SOLUTION",
                       solution=True, grade=True, points=FIGURE_POINTS))
    cells.append(_md("interpret-question", INTERPRET, locked=True))
    cells.append(_md("interpret_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student "
                                         "version): full marks need all four rubric elements.*\n### END SOLUTION",
                     solution=True, grade=True, points=INTERPRET_POINTS))
    cells.append(_md("checklist", CHECKLIST))
    return _notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    module = key_module(root)
    key = answer_key(root)
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(key, module.SOLUTIONS, module.FIGURE_SOLUTION), folder / NOTEBOOK)
    written = [folder / NOTEBOOK]
    for name in DATA_FILES:
        shutil.copyfile(root / "data" / "cohort" / name, folder / name)
        written.append(folder / name)
    return written
