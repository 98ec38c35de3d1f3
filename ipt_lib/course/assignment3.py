"""Assignment 3 (analysing an IPT caseload): its notebook and data files, built from data/.

The answers are computed by the student's code, so they can only be checked by running it. The hidden check
``assert_computed(name, key, ...)`` is taken out of the cell before the kernel runs (``SealComputedKeys``) and the
value the kernel reports is compared with the key in the grader's process (``StaticAnswerGrader``).

The key and the model solutions are in data/assignments/a3_caseload/key.py (instructor-only, never in this package).
"""

from __future__ import annotations

import importlib.util
import shutil
from functools import partial
from pathlib import Path

import nbformat

from .cells import assignment_data, code, md, notebook, prose, repo_root

ASSIGNMENT = "a3_caseload"
NOTEBOOK = "caseload.ipynb"
DATA_FILES = ("clients.csv", "scores.csv", "phq9_items.csv")
FIGURE_POINTS = 3
INTERPRET_POINTS = 4
NEXT_STEPS_POINTS = 5
SAFETY_ITEMS = ("risk_review",)  # computed items asked in Part C (safety) rather than Part B
# graded by the instructor: cell -> points
MANUAL = {"figure_answer": FIGURE_POINTS, "interpret_answer": INTERPRET_POINTS, "next_steps_answer": NEXT_STEPS_POINTS}


def key_module(root: Path | None = None):
    """data/assignments/a3_caseload/key.py, loaded from the repository (it is not part of the package)."""
    path = assignment_data(root or repo_root(), ASSIGNMENT) / "key.py"
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


def cycle_key(root: Path) -> dict:
    """What the sample class is given: the computed key and the key module (its model and mistaken code)."""
    return {"items": answer_key(root), "module": key_module(root)}


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

KIND_HELP = {
    "proportion": "a proportion between 0 and 1",
    "number": "a number",
    "by_area": "one proportion per problem area",
    "by_setting": "one proportion per setting",
    "ids": "a list of client ids",
}

ITEM9_WORDS = {1: "several days", 2: "more than half the days", 3: "nearly every day"}
PRONOUNS = {"man": ("he", "him", "his"), "woman": ("she", "her", "her"), "non-binary": ("they", "them", "their")}

def _computed_test(name: str, item: dict) -> nbformat.NotebookNode:
    kind = item["kind"]
    cell = code(
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


def _computed_question(root: Path, number: int, name: str, item: dict, solutions: dict[str, str]) -> list:
    question = prose(root, ASSIGNMENT, f"{name}-question", number=number, points=_points(item["points"]))
    return [md(f"{name}-question", question),
            code(f"{name}_answer",
                  f"# Compute {name} from the data ({KIND_HELP[item['kind']]}).\n{name} = ...\n"
                  f"### BEGIN SOLUTION\n{solutions[name].strip()}\n### END SOLUTION",
                  solution=True),
            _computed_test(name, item)]


def next_steps_text(number: int, case: dict, root: Path | None = None) -> str:
    """The written risk question about one client (``case`` from ``review_case``)."""
    return prose(root or repo_root(), ASSIGNMENT, "next-steps-question", number=number, points=NEXT_STEPS_POINTS,
                 **case)


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
                   case: dict | None = None, root: Path | None = None) -> nbformat.NotebookNode:
    """The instructor's notebook. ``case`` describes the client of the written risk question (``review_case``)."""
    root = root or repo_root()
    text = partial(prose, root, ASSIGNMENT)
    case = case or review_case(root, key)
    outcomes = {n: i for n, i in key.items() if n not in SAFETY_ITEMS}
    safety = {n: i for n, i in key.items() if n in SAFETY_ITEMS}
    auto = sum(i["points"] for i in key.values())
    manual = FIGURE_POINTS + INTERPRET_POINTS + NEXT_STEPS_POINTS
    cells = [md("intro", text("intro", total=f"{auto + manual:g}", auto=f"{auto:g}", manual=f"{manual:g}")),
             code("setup", SETUP, locked=True), md("explore", text("explore")),
             code("explore-code", "# Explore here (not graded).\n")]
    cells.append(md("part-b", text("part-b", points=_points(sum(i["points"] for i in outcomes.values())))))
    number = 0
    for number, (name, item) in enumerate(outcomes.items(), 1):
        cells += _computed_question(root, number, name, item, solutions)
    safety_auto = sum(i["points"] for i in safety.values())
    cells.append(md("part-c", text("part-c", points=f"{safety_auto + NEXT_STEPS_POINTS:g}", auto=f"{safety_auto:g}",
                                   manual=f"{NEXT_STEPS_POINTS:g}"), locked=True))
    for number, (name, item) in enumerate(safety.items(), number + 1):
        cells += _computed_question(root, number, name, item, solutions)
    cells.append(md("next-steps-question", next_steps_text(number + 1, case, root), locked=True))
    cells.append(md("next_steps_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student "
                                          "version): one point per rubric element; full marks need all five.*\n"
                                          "### END SOLUTION",
                     solution=True, grade=True, points=NEXT_STEPS_POINTS))
    cells.append(md("figure-question", text("figure-question", points=FIGURE_POINTS), locked=True))
    cells.append(code("figure_answer", "### BEGIN SOLUTION\n" + figure_solution.strip() + "\n### END SOLUTION",
                       solution=True, grade=True, points=FIGURE_POINTS))
    cells.append(md("interpret-question", text("interpret-question", points=INTERPRET_POINTS), locked=True))
    cells.append(md("interpret_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student "
                                         "version): full marks need all four rubric elements.*\n### END SOLUTION",
                     solution=True, grade=True, points=INTERPRET_POINTS))
    cells.append(md("checklist", text("checklist")))
    return notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    module = key_module(root)
    key = answer_key(root)
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(key, module.SOLUTIONS, module.FIGURE_SOLUTION, review_case(root, key), root),
                   folder / NOTEBOOK)
    written = [folder / NOTEBOOK]
    for name in DATA_FILES:
        shutil.copyfile(root / "data" / "cohort" / name, folder / name)
        written.append(folder / name)
    return written
