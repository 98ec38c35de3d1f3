"""The final exam: a mixed assessment drawing on every assignment, one item per question drawn per student.

Questions (1 point each, autograded): two problem areas, a dispute stage, two techniques, a PHQ-9 band, a
response, a remission, a training-pathway number. One case formulation (6 points) is graded with a rubric modelled
on the IPT Institute's portfolio elements (ref §7.1). Each question has a pool of items; ``ipt_lib.exam.pick``
chooses a student's item from a seed derived from their id. The public bank (exam_bank.json) holds what students
may see; each question's hidden test holds the answer for every item of its pool, and the grader picks the
submitting student's item the same way (``StaticAnswerGrader``).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from ..measures import is_remission, is_response, severity
from ..transcripts import load_transcripts
from ..vignettes import load_vignettes
from .assignment1 import _code, _keyed_test, _md, _notebook, repo_root

ASSIGNMENT = "a6_final_exam"
NOTEBOOK = "final_exam.ipynb"
BANK = "exam_bank.json"
FORMULATION_POINTS = 6

# Pools: graded vignettes not used in assignments 1 and 2, split so no vignette can appear twice in one exam.
AREA_POOLS = {"q1": ("V04", "V08", "V28", "V35", "V39", "V44"), "q2": ("V21", "V24", "V29", "V34", "V47", "V48")}
STAGE_POOL = ("V13", "V15", "V22")
TECHNIQUE_POOLS = {"q4": ("T02", "T04"), "q5": ("T12", "T15")}  # graded transcripts not used in assignment 4
BAND_SCORES = (0, 4, 5, 9, 10, 12, 14, 15, 17, 19, 20, 27)         # every PHQ-9 band edge on both sides
RESPONSE_PAIRS = ((20, 10), (20, 11), (16, 8), (18, 10), (12, 6), (25, 13), (14, 7), (22, 12))
REMISSION_ITEMS = (("PHQ-9", 4), ("PHQ-9", 5), ("HAM-D-17", 7), ("HAM-D-17", 8), ("PHQ-9", 0), ("HAM-D-17", 6))
PATHWAY_FACTS = (  # (body, level, requirement, question)
    ("isipt", "therapist", "introductory-training",
     "ISIPT therapist certification: at least how many hours of introductory IPT training?"),
    ("isipt", "therapist", "supervised-cases",
     "ISIPT therapist certification: at least how many supervised IPT cases?"),
    ("isipt", "therapist", "clinical-training",
     "ISIPT therapist certification: at least how many hours of supervised training in delivering therapy?"),
    ("isipt", "supervisor", "supervision-given",
     "ISIPT supervisor certification: at least how many hours of giving IPT supervision?"),
    ("isipt", "supervisor", "clinicians-supervised",
     "ISIPT supervisor certification: supervision given to at least how many different clinicians?"),
    ("ipt_institute", "level-b-community", "consultation-hours",
     "IPT Institute Level B (community route): at least how many consultation hours?"),
    ("ipt_institute", "level-b-community", "portfolios",
     "IPT Institute Level B (community route): how many portfolios, for different clients?"),
    ("ipt_institute", "research-level-c", "supervised-cases",
     "IPT Institute research route, Level C: how many supervised cases?"),
)
FORMULATION_POOL = ("V19", "V23", "V27", "V32", "V37", "V46")  # practice vignettes: the rubric, not a key, grades


def _turn_items(transcripts) -> tuple[dict, dict]:
    """Every labelled therapist turn (after the first) with the two turns before it as context."""
    items, keys = {}, {}
    for t in transcripts:
        for turn in t.turns:
            if turn.speaker != "therapist" or not turn.technique or turn.number < 3:
                continue
            item_id = f"{t.id}-{turn.number}"
            context = [t.turns[n - 1] for n in range(turn.number - 2, turn.number + 1)]
            items[item_id] = {
                "context": f"{t.title}: {t.client.name}, {t.client.age}; {t.phase.label} phase, session {t.session}.",
                "client": t.client.name,
                "turns": [{"number": c.number, "speaker": c.speaker, "text": c.text} for c in context],
            }
            keys[item_id] = turn.technique.label
    return items, keys


def build_bank(root: Path | None = None) -> tuple[dict, dict]:
    """(public bank, keys per question). The keys are instructor-only."""
    root = root or repo_root()
    vignettes = {v.id: v for v in load_vignettes(root / "data" / "vignettes")}
    transcripts = {t.id: t for t in load_transcripts(root / "data" / "transcripts")}
    from ..pathway import load_bodies

    bodies = {b.id: b for b in load_bodies(root / "data" / "training")}
    slots: dict[str, dict] = {}
    keys: dict[str, dict] = {}

    for slot, pool in AREA_POOLS.items():
        slots[slot] = {"kind": "area", "prompt": "Which problem area would you choose as the focus? (ref §3, §3.5)",
                       "items": {vid: vignettes[vid].public() for vid in pool}}
        keys[slot] = {vid: vignettes[vid].primary_area.label for vid in pool}
    slots["q3"] = {"kind": "stage", "prompt": "This is a role dispute. Which stage is it in: renegotiation, impasse "
                                              "or dissolution? (ref §3.2)",
                   "items": {vid: vignettes[vid].public() for vid in STAGE_POOL}}
    keys["q3"] = {vid: vignettes[vid].dispute_stage.label for vid in STAGE_POOL}
    for slot, ids in TECHNIQUE_POOLS.items():
        items, answers = _turn_items(transcripts[tid] for tid in ids)
        slots[slot] = {"kind": "technique", "prompt": "Which technique does the therapist use in the last (highlighted) "
                                                      "turn? (ref §5)", "items": items}
        keys[slot] = answers
    slots["q6"] = {"kind": "band", "prompt": "In which PHQ-9 severity band is this score? (ref §6.2)",
                   "items": {f"B{score:02d}": {"question": f"A PHQ-9 total of {score}."} for score in BAND_SCORES}}
    keys["q6"] = {f"B{score:02d}": severity("PHQ-9", score) for score in BAND_SCORES}
    slots["q7"] = {"kind": "yesno", "prompt": "Is this a response, by the definition the course uses (a reduction of "
                                              "50% or more; ref §6.1-6.2)? Answer \"yes\" or \"no\".",
                   "items": {f"R{b}-{f}": {"question": f"PHQ-9 {b} at intake, {f} at the last session."}
                             for b, f in RESPONSE_PAIRS}}
    keys["q7"] = {f"R{b}-{f}": "yes" if is_response(b, f) else "no" for b, f in RESPONSE_PAIRS}
    slots["q8"] = {"kind": "yesno", "prompt": "Is this score in remission, by the definitions the course uses "
                                              "(ref §6.1-6.2)? Answer \"yes\" or \"no\".",
                   "items": {f"M{s[:3]}{n}": {"question": f"A {s} score of {n} at the end of treatment."}
                             for s, n in REMISSION_ITEMS}}
    keys["q8"] = {f"M{s[:3]}{n}": "yes" if is_remission(s, n) else "no" for s, n in REMISSION_ITEMS}
    items, answers = {}, {}
    for body, level, requirement, question in PATHWAY_FACTS:
        req = next(r for r in bodies[body].level(level).requirements if r.id == requirement)
        item_id = f"P-{body}-{level}-{requirement}"
        items[item_id] = {"question": question + " (ref §7)"}
        answers[item_id] = req.minimum
    slots["q9"] = {"kind": "number", "prompt": "Training and certification: give the number (ref §7).", "items": items}
    keys["q9"] = answers
    bank = {"name": ASSIGNMENT, "slots": slots,
            "formulation": {"items": {vid: vignettes[vid].public() for vid in FORMULATION_POOL}}}
    return bank, keys


INTRO = f"""
# Final exam

**Time:** 90 minutes. **Points:** {9 + FORMULATION_POINTS} (9 autograded, {FORMULATION_POINTS} graded by your
instructor). Closed book unless your instructor says otherwise.

**Your exam is your own.** Each question is drawn from a bank for you (from your login name), so your neighbour's
questions differ. The set-up cell says whose exam this is: if it is not your login name, stop and tell your
instructor. Answer each question in its answer cell, in quotes unless a number is asked for. The check under each
answer only says whether the answer can be read.
"""

SETUP = f"""
# Set-up: run this cell first.
import ipt_lib
from ipt_lib.exam import load_exam, pick
exam = load_exam("{BANK}")
exam
"""

FORMULATION = f"""
## Case formulation ({FORMULATION_POINTS} points, graded by your instructor)

Read your case (below) and write a short formulation, modelled on the elements of an IPT Institute certification
portfolio (ref §7.1): a case report, an interpersonal inventory (circle), an interpersonal formulation, and a
self-evaluation.

In 300-450 words:
1. **Case report:** the presenting problem, the interpersonal event and its timing relative to onset (ref §2.4).
2. **Inventory:** the important people and where you would place them on a closeness circle (inner, middle,
   outer), with what the case says about support and expectations (ref §4).
3. **Formulation:** the problem area you would choose and why, including why not the nearest alternative
   (ref §3, §3.5), and how you would say it to the client (ref §2.3).
4. **Plan and measures:** the phase structure and number of sessions, and which scale you would give when (ref §2.1,
   §2.2, §6.4).
5. **Self-evaluation:** one thing in this case you are unsure about and how supervision would help.

**Rubric** (6 points): case report with event and timing (1); inventory with rings and what each relationship
offers or lacks (1); a problem area justified from the cues, with the alternative ruled out (2); a plan with
phases, sessions and measurement (1); an honest self-evaluation (1).
"""


def build_notebook(bank: dict, keys: dict) -> nbformat.NotebookNode:
    cells = [_md("intro", INTRO), _code("setup", SETUP, locked=True)]
    for number, (slot, spec) in enumerate(bank["slots"].items(), 1):
        cells.append(_md(f"{slot}-title", f"### Question {number} (1 point)"))
        cells.append(_code(f"{slot}-show", f'exam.show("{slot}")', locked=True))
        hint = "a number" if spec["kind"] == "number" else "your answer in quotes"
        # The instructor's copy answers whichever item the current student draws (for `nbgrader validate`).
        solution = f"{keys[slot]!r}[pick(exam.student, {slot!r}, {sorted(keys[slot])!r})]"
        cells.append(_code(f"{slot}_answer", f"# Question {number}: {hint}.\n{slot} = (\n    ### BEGIN SOLUTION\n"
                                             f"    {solution}\n    ### END SOLUTION\n)", solution=True))
        cells.append(_keyed_test(f"{slot}_test", f"Question {number}: checks that your answer can be read (format "
                                 "only);\nwhether it is right is checked at grading.", "check_exam",
                                 f"{slot!r}, {spec['kind']!r}", "assert_exam", f"{slot!r}, {keys[slot]!r}, "
                                 f"{spec['kind']!r}"))
    cells.append(_md("formulation-question", FORMULATION, locked=True))
    cells.append(_code("formulation-case", "from ipt_lib.deck import Card\n"
                                           "case_id = pick(exam.student, 'formulation', exam.bank['formulation']['items'])\n"
                                           "Card(dict(exam.bank['formulation']['items'][case_id], case='F'))",
                       locked=True))
    cells.append(_md("formulation_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student version): "
                                           "grade with the rubric; the case is shown in the cell above.*\n"
                                           "### END SOLUTION", solution=True, grade=True, points=FORMULATION_POINTS))
    cells.append(_md("checklist", "## Before you submit\n\nEvery check printed \"reads as\". **Kernel → Restart "
                                  "Kernel and Run All Cells**, save, **Validate**, **Submit**."))
    return _notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    bank, keys = build_bank(root)
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(bank, keys), folder / NOTEBOOK)
    (folder / BANK).write_text(json.dumps(bank, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return [folder / NOTEBOOK, folder / BANK]


def answer_key(root: Path | None = None) -> dict:
    bank, keys = build_bank(root)
    return {"bank": bank, "keys": keys}
