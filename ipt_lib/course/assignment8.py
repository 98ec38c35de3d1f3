"""Assignment 8 (the capstone): a portfolio-shaped case, built from data/portfolio and data/assignments/a8_portfolio.

One client (``PORTFOLIO_CASE``) followed through a full acute course, in the shape of an IPT Institute portfolio
(IPT Institute, n.d.-a): the case report (referral, intake, inventory interview, session notes), the questionnaires
item by item, the transcript of one session. The notebook shows all of it as Markdown written at build time, so the
student's kernel reads no case file and imports nothing heavy.

Part A is the inventory, built in the widget and graded from the saved ``inventory.json`` as Assignment 2's is (the
inner-ring people, then the person tied to the problem area). Part B is the scores: the answer is a dict literal
judged by ``ipt_lib.grading.scores`` against a key worked out at build time from the item answers with
``ipt_lib.measures`` (``portfolio.measures_key``), so no total or band is typed into a key by hand. Part C is the
problem area (the area rule). Part D is four written pieces graded by hand, each with a rubric and the course team's
answer in the answer cell's hidden-test region, shown after the answer at autograde (``preprocessors.
ShowDrillRubrics``), so the grader sees them in Formgrader and the student only in feedback.
"""

from __future__ import annotations

import tomllib
from functools import partial
from pathlib import Path

import nbformat

from .assignment2 import rival_aliases
from .cells import SHOWN_AFTER_GRADING, assignment_data, code, keyed_test, md, notebook, prose, repo_root

ASSIGNMENT = "a8_portfolio"
NOTEBOOK = "portfolio.ipynb"
INVENTORY_FILE = "inventory.json"
FORM_FILE = "form.json"
INNER_POINTS, TIED_POINTS, SCORES_POINTS, AREA_POINTS = 2, 2, 13, 3
# Part D, modelled on a portfolio's written elements: (answer cell, question block, rubric block, points)
WRITTEN = (("formulation_answer", "formulation-question", "rubric-formulation", 8),
           ("session_plan_answer", "plan-question", "rubric-plan", 8),
           ("summary_answer", "summary-question", "rubric-summary", 6),
           ("self_evaluation_answer", "selfeval-question", "rubric-selfeval", 6))
MANUAL = {cell: points for cell, _, _, points in WRITTEN}
MODEL_HEADING = "**The course team's answer**"
# The session Part D asks the student to plan: its note is left out of the case shown to students, which would
# otherwise answer the question (the rubric and the course team's answer use it).
PLAN_SESSION = 6
LEFT_OUT = "*Left out here: Part D asks you to plan this session.*"


def _raw_key(root: Path) -> dict:
    path = assignment_data(root, ASSIGNMENT) / "key.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read ({exc})") from None


def answer_key(root: Path | None = None) -> dict:
    """Instructor-only: key.toml (client, inner-ring people, tied person, area, model inventory) with the case and
    the scores' key worked out from its item answers."""
    from ..problem_areas import ProblemArea
    from .portfolio import load_case, measures_key

    root = root or repo_root()
    key = _raw_key(root)
    path = assignment_data(root, ASSIGNMENT) / "key.toml"
    for field in ("case_id", "client", "area", "tied_person", "inner", "people", "max_others"):
        if field not in key:
            raise ValueError(f"{path}: the field {field!r} is missing")
    try:
        key["area"] = ProblemArea.parse(key["area"]).label
    except ValueError as exc:
        raise ValueError(f"{path}, area: {exc}") from None
    case = load_case(root / "data" / "portfolio" / f"{str(key['case_id']).lower()}.toml")
    if case.client.name != key["client"]:
        raise ValueError(f"{path}, client: {key['client']!r} is not the client of {case.id} ({case.client.name})")
    named = {p.name.casefold() for p in case.people}
    for person in key["people"]:
        if person["name"].casefold() not in named:
            raise ValueError(f"{path}, people: {person['name']!r} is not named in {case.id}'s inventory interview")
    key["case"] = case
    key["measures"] = measures_key(case)
    return key


def rubric(root: Path, block: str) -> tuple[str, str]:
    """(the whole rubric block, the course team's answer in it)."""
    text = prose(root, ASSIGNMENT, block).strip()
    if MODEL_HEADING not in text:
        raise ValueError(f"{assignment_data(root, ASSIGNMENT) / (block + '.md')}: a '{MODEL_HEADING}' section is "
                         "needed after the rubric")
    return text, text.split(MODEL_HEADING, 1)[1].strip()


def secrets(root: Path) -> list[str]:
    """Part D's rubrics and the course team's answers, as the leak check's phrases: secret until feedback (the graded
    notebook shows them after each answer)."""
    if not (assignment_data(root, ASSIGNMENT) / "key.toml").is_file():
        return []
    found = set()
    for _, _, block, _ in WRITTEN:
        for line in rubric(root, block)[0].splitlines():
            line = " ".join(line.strip("-* ").split())
            if len(line) > 30:
                found.add(line[:80])
    return sorted(found)


# --- the case report as Markdown -----------------------------------------------------------------------------

def _case_cells(case) -> list:
    from ..measures import phase_of_session

    c = case.client
    notes = "\n".join(f"| {s.n} | {phase_of_session(s.n, case.planned_sessions)} | "
                      f"{LEFT_OUT if s.n == PLAN_SESSION else s.note} |" for s in case.sessions)
    phq = "\n".join(f"| {m.session} | " + " | ".join(map(str, m.phq9)) + " |" for m in case.measures)
    gad = "\n".join(f"| {m.session} | " + " | ".join(map(str, m.gad7)) + " |" for m in case.measures)
    turns = "\n".join(f"| {t.n} | {t.speaker.title()} | {t.text} |" for t in case.turns)
    return [
        md("client", f"### {case.title}\n\n**{c.name}, {c.age} ({c.pronouns}).** {c.background}\n\n"
                     f"*{case.condition.capitalize()}; {case.setting}; {case.planned_sessions} sessions planned.*"),
        md("referral", f"### Referral (from {case.referral_from})\n\n{case.referral}"),
        md("intake", f"### Intake\n\n{case.intake}"),
        md("inventory-interview", f"### The inventory interview\n\n*{case.inventory_intro}*\n\n{case.inventory}"),
        md("session-notes", "### Session notes\n\nPhases as the course counts them for a "
                            f"{case.planned_sessions}-session course (initial: the first three sessions; ending: the "
                            "last three).\n\n| Session | Phase | Note |\n|---|---|---|\n" + notes),
        md("questionnaires", "### The questionnaires, item by item\n\nEach item is scored 0 ('not at all') to 3 "
                             "('nearly every day').\n\n**PHQ-9** (item 9: thoughts of being better off dead or of "
                             "hurting oneself)\n\n| Session | " + " | ".join(f"{i}" for i in range(1, 10))
                             + " |\n|---|" + "---|" * 9 + "\n" + phq + "\n\n**GAD-7**\n\n| Session | "
                             + " | ".join(f"{i}" for i in range(1, 8)) + " |\n|---|" + "---|" * 7 + "\n" + gad),
        md("transcript", f"### The recording: session {case.transcript_session} (transcript)\n\n"
                         f"*{case.transcript_summary}*\n\n| Turn | Speaker | Text |\n|---|---|---|\n" + turns),
    ]


SETUP = f"""
# Set-up: run this cell first.
import ipt_lib
from ipt_lib.fidelity import load_public
form = load_public("{FORM_FILE}").form
print("Ready: the case is below; the rating form is shown in Part D.")
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

SCRATCH = """
# Scratch cell (not graded): work the scores out here if you like, for example
# from ipt_lib.measures import read_phq9, read_gad7, is_response, is_remission
# read_phq9([0, 1, 1, 0, 2, 0, 1, 0, 0])   (an example, not one of the case's rows)
"""


def _scores_stub(key: dict) -> str:
    rows = {s: ", ".join(f"{n}: (..., ...)" for n in key[s]) for s in ("phq9", "gad7")}
    return ('# Type the values in: totals as numbers, bands as text, True/False, sessions as a list.\n'
            f'measures = {{\n    "phq9": {{{rows["phq9"]}}},\n    "gad7": {{{rows["gad7"]}}},\n'
            '    "response": ...,\n    "remission": ...,\n    "item9": [...],\n}')


def _scores_solution(key: dict) -> str:
    rows = {s: ", ".join(f"{n}: ({t}, {b[0]!r})" for n, (t, b) in key[s].items()) for s in ("phq9", "gad7")}
    return (f'measures = {{\n    "phq9": {{{rows["phq9"]}}},\n    "gad7": {{{rows["gad7"]}}},\n'
            f'    "response": {key["response"]},\n    "remission": {key["remission"]},\n    "item9": {key["item9"]},\n}}')


def _written_cells(root: Path, text, case) -> list:
    cells = []
    for cell_id, question, block, points in WRITTEN:
        whole, model = rubric(root, block)
        values = {"points": points}
        wording = prose(root, ASSIGNMENT, question)
        if "{transcript_session}" in wording:
            values["transcript_session"] = case.transcript_session
        if "{plan_session}" in wording:
            values["plan_session"] = PLAN_SESSION
        cells.append(md(f"{cell_id}-question", text(question, **values), locked=True))
        cells.append(md(cell_id, f"### BEGIN SOLUTION\n{model}\n### END SOLUTION\n### BEGIN HIDDEN TESTS\n"
                                 f"{SHOWN_AFTER_GRADING}\n\n{whole}\n### END HIDDEN TESTS",
                        solution=True, grade=True, points=points))
    return cells


def build_notebook(root: Path) -> nbformat.NotebookNode:
    text = partial(prose, root, ASSIGNMENT)
    key = answer_key(root)
    case, scores, client = key["case"], key["measures"], key["client"]
    part_a = INNER_POINTS * len(key["inner"]) + TIED_POINTS
    auto = part_a + SCORES_POINTS + AREA_POINTS
    manual = sum(MANUAL.values())
    people = "\n".join(f"inv.add(**{person!r})" for person in key["people"])
    report = _case_cells(case)
    cells = [
        md("content-note", text("content-note")),
        md("intro", text("intro", total=auto + manual, auto=auto, manual=manual, sessions=case.planned_sessions,
                         part_a=part_a, part_b=SCORES_POINTS, part_c=AREA_POINTS)),
        code("setup", SETUP, locked=True),
        md("case", text("case", sessions=case.planned_sessions, transcript_session=case.transcript_session)),
        *report[:3],
        md("risk", text("risk")),
        *report[3:],
        md("part-a", text("part-a", points=part_a, client=client, per_inner=INNER_POINTS,
                          max_others=key["max_others"], per_tied=TIED_POINTS)),
        code("widget", f'inventory = ipt_lib.inventory_widget({client!r}, "{INVENTORY_FILE}")\ninventory'),
        code("inventory_build", CODE_OPTION.format(client=client, people=people), solution=True),
    ]
    for grade_id, aliases in key["inner"].items():
        cells.append(keyed_test(
            f"{grade_id}_test", f"Checks that {INVENTORY_FILE} can be read (format only); the rings are checked at "
            "grading.", "check_inventory_file", f'"{INVENTORY_FILE}"', "assert_in_ring",
            f'"{INVENTORY_FILE}", {aliases!r}, "inner", {key["max_others"]}, {rival_aliases(key, aliases)!r}',
            points=INNER_POINTS))
    cells += [
        md("tied-title", text("tied-title")),
        code("tied_person_answer", "# The person's name, in quotes.\ntied_person = (\n    ### BEGIN SOLUTION\n"
             f"    {key['tied_person'][0].title()!r}\n    ### END SOLUTION\n)", solution=True),
        keyed_test("tied_person_test", "Checks the format of your answer, and that it names someone in your "
                   "inventory.", "check_name_format", f'"tied_person", inventory="{INVENTORY_FILE}"',
                   "assert_person", f'"tied_person", {key["tied_person"]!r}, '
                   f'{rival_aliases(key, key["tied_person"])!r}', points=TIED_POINTS),
        md("part-b", text("part-b", points=SCORES_POINTS)),
        code("scores-scratch", SCRATCH),
        code("measures_answer", _scores_stub(scores) + f"\n### BEGIN SOLUTION\n{_scores_solution(scores)}\n"
             "### END SOLUTION", solution=True),
        keyed_test("measures_test", "Checks that your scores can be read (format only); whether they are right is "
                   "checked at grading.", "check_scores", f'"measures", {sorted(scores["phq9"])}, '
                   f'{sorted(scores["gad7"])}', "assert_scores", f'"measures", {scores!r}, {SCORES_POINTS}',
                   points=SCORES_POINTS),
        md("part-c", text("part-c", points=AREA_POINTS)),
        code("area_answer", f"# One problem area, in quotes.\narea = (\n    ### BEGIN SOLUTION\n    {key['area']!r}\n"
             "    ### END SOLUTION\n)", solution=True),
        keyed_test("area_test", "Checks the format of your answer only.", "check_answer_format", '"area"',
                   "assert_area", f'"area", {key["area"]!r}', points=AREA_POINTS),
        md("part-d", text("part-d", points=manual)),
        code("form-show", "form", locked=True),
        *_written_cells(root, text, case),
        md("checklist", text("checklist")),
    ]
    return notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    from ..fidelity import FidelityBundle, load_form, write_public

    root = root or repo_root()
    folder = root / "source" / ASSIGNMENT
    nb = build_notebook(root)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / NOTEBOOK)
    # the course's rating form only (no excerpt), for the self-evaluation
    write_public(folder / FORM_FILE, FidelityBundle(load_form(root / "data" / "fidelity" / "form.toml"), ()),
                 name=ASSIGNMENT)
    return [folder / NOTEBOOK, folder / FORM_FILE]
