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
DATA_FILES = ("clients.csv", "scores.csv", "phq9_items.csv")
KEY_MODULE = Path("data") / "assignments" / "a3_caseload.py"
FIGURE_POINTS = 3
INTERPRET_POINTS = 4
NEXT_STEPS_POINTS = 5
SAFETY_ITEMS = ("risk_review",)  # computed items asked in Part C (safety) rather than Part B
MANUAL_IDS = ("figure_answer", "interpret_answer", "next_steps_answer")  # graded by the instructor


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
    return key_module(root).answer_key(pd.read_csv(folder / "clients.csv"), pd.read_csv(folder / "scores.csv"),
                                       pd.read_csv(folder / "phq9_items.csv"))


INTRO = """
# Assignment 3: Analysing an IPT caseload

**Content note:** Part C is about suicide risk: thoughts of death and self-harm reported on a questionnaire, and
what a therapist does next. The clients are fictional.

**Time:** about 100 minutes. **Points:** {total} ({auto} autograded, {manual} graded by your instructor).

After this assignment you can:
1. compute response and remission the way trials define them, and say who is counted (Frank et al., 1991; Kroenke et al., 2001; ICSI, n.d.);
2. compare outcomes between problem areas and settings, and time to response;
3. measure the lag from an interpersonal event to symptom onset (Focus review, 2006; Markowitz, 2016);
4. find clients who got worse, draw a trajectory figure, and say what a caseload like this can and cannot show;
5. read PHQ-9 item 9 for every client, whatever the total, and say what you do when a client who is getting worse
   reports thoughts of being better off dead or of self-harm (Simon et al., 2013; Posner et al., 2011; Stanley & Brown, 2012).

**The data are synthetic.** `clients.csv`, `scores.csv` and `phq9_items.csv` describe 320 fictional clients made
by a program for teaching (its assumptions are listed in the course's data/cohort/README.md). No number here is
evidence about IPT, and the PHQ-9 item scores follow a made-up rule.

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
from ipt_lib.measures import severity, is_response, is_remission, phase_of_session, read_phq9, risk_review_needed
from ipt_lib.plots import shade_phases

clients = pd.read_csv("clients.csv", parse_dates=["intake_date", "event_date", "onset_date"])
scores = pd.read_csv("scores.csv", parse_dates=["date"])
items = pd.read_csv("phq9_items.csv")            # the nine PHQ-9 item scores of every PHQ-9 (phq9_1 ... phq9_9)
phq = scores[scores["measure"] == "PHQ-9"]       # every attended session
hamd = scores[scores["measure"] == "HAM-D-17"]   # intake, mid-point and last planned session
print(f"{len(clients)} clients, {len(phq)} PHQ-9 scores ({len(items)} with item scores), "
      f"{len(hamd)} HAM-D-17 scores")
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
    "risk_review": ("Who needs a risk review?", """
`items` holds the nine item scores of every PHQ-9 (join it to `scores` on `client_id` and `session` if you need
the total). Item 9 asks how often the client has had thoughts of being better off dead or of hurting themselves;
in this course any answer above 0 ("several days" or more) calls for a risk review **whatever the total** (the
course's rule for trainees, consistent with Simon et al., 2013; Kroenke et al., 2001). `risk_review_needed("PHQ-9", nine_item_scores)` applies that rule to one questionnaire.

List the ids of every client whose **latest** PHQ-9 (their last attended session, drop-outs included) has item 9
above 0. A list (or Series, or set) of ids. Partial credit: the 2 points times the overlap between your list and
the course team's (shared ids divided by all ids named in either). Remember that a 0 on item 9 does not rule risk
out (Louzon et al., 2016): this list is who must be reviewed, not everyone who may be at risk.
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
## Part D: A trajectory figure ({FIGURE_POINTS} points, graded by your instructor)

Draw the **mean PHQ-9 at each session for each problem area** on one set of axes, with the phases of treatment
shaded (you may call `shade_phases(ax, planned_sessions=16)`; compute and draw the means yourself).

**Rubric** (1 point each): (1) the right quantity: mean PHQ-9 by session, one line per area, from the data;
(2) readable: axis labels with the scale's range, a legend, a title, lines that can be told apart without colour
(markers or line styles); (3) honest: a caption or note saying who is in each mean (drop-outs leave the later
sessions; some courses end at session 12), and the phases shaded.
"""

INTERPRET = f"""
## Part E: What can and cannot be concluded? ({INTERPRET_POINTS} points, graded by your instructor)

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

SAFETY_INTRO = """
## Part C: Doing IPT safely ({points} points: {auto} autograded, {manual} graded by your instructor)

*Content note: this part is about suicide risk.*

A PHQ-9 total tells you how severe the symptoms are; item 9 tells you something the total can hide. In a large
outpatient sample the one-year risk of a suicide attempt was about 0.4% after an item 9 answer of "not at all" and
about 4% after "nearly every day", and item 9 still predicted attempts after allowing for overall severity
(Simon et al., 2013). A low total does not make a positive item 9 safe, and a 0 does not rule risk out (Louzon et al., 2016).
"""

NEXT_STEPS = """
### {number}. What do you do now? ({points} points, graded by your instructor)

You are the trainee therapist of **{cid}**, a {age}-year-old {gender} in {setting} IPT for {area}. At session 1
{their} PHQ-9 total was {first} ({first_band}). At session {session}, the questionnaire {they} filled in before the
session has a total of **{last}** ({last_band}), and item 9 is **{item9}** ("{item9_words}").

In 100-200 words: what do you do now, in this session and today? Be specific about what you ask, what you make
with {them}, who you tell and when, and what happens to the treatment plan.

**Rubric** (1 point each): (1) assess further in this session: ask directly and use a structured instrument such as
the C-SSRS (Posner et al., 2011); (2) make or update a written safety plan **with** the client (warning signs,
coping, people and places, who to ask for help, services, restricting access to means; Stanley & Brown, 2012);
(3) tell the supervisor **the same day**; (4) do not end the session without a plan; (5) review the treatment
given the deterioration (for example with the supervisor: whether IPT alone is enough, a medical or psychiatric
assessment, more frequent contact). These steps are the course's policy for trainees, consistent with the sources
(Simon et al., 2013; Posner et al., 2011; Stanley & Brown, 2012; Dua et al., 2011); the rule as worded is the
course's, not a quotation from an IPT manual.
"""

ITEM9_WORDS = {1: "several days", 2: "more than half the days", 3: "nearly every day"}
PRONOUNS = {"man": ("he", "him", "his"), "woman": ("she", "her", "her"), "non-binary": ("they", "them", "their")}

CHECKLIST = """
## Before you submit

1. Every check cell printed "reads as ..." (or told you what to fix).
2. Your answers are computed from `clients`, `scores` and `items`, not typed in.
3. **Kernel → Restart Kernel and Run All Cells**, then save, then **Validate** and **Submit**.

**Key points:** say who is counted (intention to treat or completers) and which definition you use; a caseload
without a comparison group describes change, it does not show what caused it; read item 9 of every PHQ-9, because
a total alone can miss risk.
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


def _points(points: float) -> str:
    return f"{points:g} point{'s' if points != 1 else ''}"


def _computed_question(number: int, name: str, item: dict, solutions: dict[str, str]) -> list:
    title, text = QUESTIONS[name]
    return [_md(f"{name}-question", f"### {number}. {title} ({_points(item['points'])})\n" + text.strip("\n")),
            _code(f"{name}_answer",
                  f"# Compute {name} from the data ({KIND_HELP[item['kind']]}).\n{name} = ...\n"
                  f"### BEGIN SOLUTION\n{solutions[name].strip()}\n### END SOLUTION",
                  solution=True),
            _computed_test(name, item)]


def next_steps_text(number: int, case: dict) -> str:
    """The written risk question about one client (``case`` from ``review_case``)."""
    return NEXT_STEPS.format(number=number, points=NEXT_STEPS_POINTS, **case)


def review_case(root: Path, key: dict[str, dict]) -> dict:
    """What the written question says about its client, read from data/cohort."""
    import pandas as pd

    from ..measures import severity

    cid = key_module(root).review_client(key)
    folder = root / "data" / "cohort"
    client = pd.read_csv(folder / "clients.csv").set_index("client_id").loc[cid]
    scores = pd.read_csv(folder / "scores.csv")
    phq = scores[(scores["client_id"] == cid) & (scores["measure"] == "PHQ-9")].sort_values("session")
    items = pd.read_csv(folder / "phq9_items.csv")
    latest = phq.iloc[-1]
    item9 = int(items[(items["client_id"] == cid) & (items["session"] == latest["session"])]["phq9_9"].iloc[0])
    first, last = int(phq.iloc[0]["score"]), int(latest["score"])
    return {"cid": cid, "age": int(client["age"]), "gender": client["gender"], "setting": client["setting"],
            "area": client["problem_area"], "first": first, "first_band": severity("PHQ-9", first),
            "session": int(latest["session"]), "last": last, "last_band": severity("PHQ-9", last),
            "item9": item9, "item9_words": ITEM9_WORDS[item9],
            **dict(zip(("they", "them", "their"), PRONOUNS[client["gender"]]))}


def build_notebook(key: dict[str, dict], solutions: dict[str, str], figure_solution: str,
                   case: dict | None = None) -> nbformat.NotebookNode:
    """The instructor's notebook. ``case`` describes the client of the written risk question (``review_case``)."""
    case = case or review_case(repo_root(), key)
    outcomes = {n: i for n, i in key.items() if n not in SAFETY_ITEMS}
    safety = {n: i for n, i in key.items() if n in SAFETY_ITEMS}
    auto = sum(i["points"] for i in key.values())
    manual = FIGURE_POINTS + INTERPRET_POINTS + NEXT_STEPS_POINTS
    cells = [_md("intro", INTRO.format(total=f"{auto + manual:g}", auto=f"{auto:g}", manual=f"{manual:g}")),
             _code("setup", SETUP, locked=True), _md("explore", EXPLORE),
             _code("explore-code", "# Explore here (not graded).\n")]
    cells.append(_md("part-b", f"## Part B: Outcomes ({_points(sum(i['points'] for i in outcomes.values()))}, "
                               "autograded)\n\nEach question builds on the tables from the set-up cell; you may "
                               "reuse variables from earlier answers."))
    number = 0
    for number, (name, item) in enumerate(outcomes.items(), 1):
        cells += _computed_question(number, name, item, solutions)
    safety_auto = sum(i["points"] for i in safety.values())
    cells.append(_md("part-c", SAFETY_INTRO.format(points=f"{safety_auto + NEXT_STEPS_POINTS:g}",
                                                   auto=f"{safety_auto:g}", manual=f"{NEXT_STEPS_POINTS:g}"),
                     locked=True))
    for number, (name, item) in enumerate(safety.items(), number + 1):
        cells += _computed_question(number, name, item, solutions)
    cells.append(_md("next-steps-question", next_steps_text(number + 1, case), locked=True))
    cells.append(_md("next_steps_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student "
                                          "version): one point per rubric element; full marks need all five.*\n"
                                          "### END SOLUTION",
                     solution=True, grade=True, points=NEXT_STEPS_POINTS))
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
    nbformat.write(build_notebook(key, module.SOLUTIONS, module.FIGURE_SOLUTION, review_case(root, key)),
                   folder / NOTEBOOK)
    written = [folder / NOTEBOOK]
    for name in DATA_FILES:
        shutil.copyfile(root / "data" / "cohort" / name, folder / name)
        written.append(folder / name)
    return written
