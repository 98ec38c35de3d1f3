"""The final exam: a mixed assessment drawing on every assignment, one item per question drawn per student.

Questions (1 point each, autograded): two problem areas, a dispute stage, two techniques, a PHQ-9 band, a
response, a remission, and a trainee's log read against a body's requirements (which one is still missing). One case formulation (6 points) is graded with a rubric modelled
on the IPT Institute's portfolio elements (IPT Institute, n.d.-a). Each question has a pool of items; ``ipt_lib.exam.pick``
chooses a student's item from a seed derived from their id. The public bank (exam_bank.json) holds what students
may see; each question's hidden test holds the answer for every item of its pool, and the grader picks the
submitting student's item the same way (``StaticAnswerGrader``).
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import partial
from pathlib import Path

import nbformat

from ..measures import is_remission, is_response, severity
from ..transcripts import load_transcripts
from ..vignettes import load_vignettes
from .cells import assignment_data, code, keyed_test, md, notebook, prose, repo_root

ASSIGNMENT = "a6_final_exam"
NOTEBOOK = "final_exam.ipynb"
BANK = "exam_bank.json"
FORMULATION_POINTS = 6

# Pools: graded vignettes not used in assignments 1 and 2, split so no vignette can appear twice in one exam.
# q1 mixes standard and hard cases; every case in q2 is a hard one (its trap named in the vignette's hard_point),
# so each student's exam has at least one hard area item whatever the draw.
AREA_POOLS = {"q1": ("V04", "V08", "V28", "V35", "V39", "V44", "V53", "V58", "V61", "V66", "V67", "V86", "V89"),
              "q2": ("V21", "V24", "V29", "V34", "V47", "V48", "V55", "V60", "V65", "V74", "V78", "V92", "V93")}
STAGE_POOL = ("V13", "V15", "V22", "V73", "V76", "V83", "V91")
TECHNIQUE_POOLS = {"q4": ("T02", "T04"), "q5": ("T12", "T15")}  # graded transcripts not used in assignment 4
BAND_SCORES = (0, 4, 5, 9, 10, 12, 14, 15, 17, 19, 20, 27)         # every PHQ-9 band edge on both sides
RESPONSE_PAIRS = ((20, 10), (20, 11), (16, 8), (18, 10), (12, 6), (25, 13), (14, 7), (22, 12))
REMISSION_ITEMS = (("PHQ-9", 4), ("PHQ-9", 5), ("HAM-D-17", 7), ("HAM-D-17", 8), ("PHQ-9", 0), ("HAM-D-17", 6))
FORMULATION_POOL = ("V19", "V23", "V27", "V32", "V37", "V46", "V54", "V59", "V63", "V75", "V81", "V95")  # practice vignettes: the rubric, not a key, grades


def bank_data(root: Path | None = None) -> dict:
    """data/assignments/a6_final_exam/bank.toml: the prompts, and question 9's items (``pathway``)."""
    return tomllib.loads((assignment_data(root or repo_root(), ASSIGNMENT) / "bank.toml").read_text(encoding="utf-8"))


def pathway_items(root: Path | None = None) -> list[tuple]:
    """Question 9's items as (item id, body, level, options (4 requirement ids), missing requirement, amounts, log).

    ``amounts`` are what the log says the trainee has; ``build_bank`` checks them against data/training."""
    return [(i["id"], i["body"], i["level"], tuple(i["options"]), i["missing"], i["amounts"], i["log"])
            for i in bank_data(root)["pathway"]]


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


def _requirement_text(req) -> str:
    """The requirement's wording without the course-log instructions in brackets ("(log it as a milestone ...)")."""
    return re.sub(r"\s*\((?:log|the log|the course counts)[^)]*\)", "", req.description).strip()


def _met(req, amount: float) -> bool:
    if req.maximum is not None:
        return amount <= req.maximum
    return amount >= req.minimum


def _check_pathway_item(item_id: str, reqs, missing: str, amounts: dict) -> None:
    """Every option but ``missing`` is met by the log's amounts, and ``missing`` is not (data/training decides)."""
    for req in reqs:
        if req.id not in amounts:
            continue  # a requirement without a number (a letter, an attestation): the log says plainly if it is met
        if req.minimum is None and req.maximum is None:
            raise ValueError(f"exam item {item_id}: {req.id} has no number in data/training to check the log against")
        if _met(req, amounts[req.id]) == (req.id == missing):
            raise ValueError(f"exam item {item_id}: with the numbers in data/training, {req.id} is "
                             f"{'met' if req.id == missing else 'not met'} by the log's {amounts[req.id]}; "
                             "rewrite the item")
    if missing not in [r.id for r in reqs]:
        raise ValueError(f"exam item {item_id}: the missing requirement {missing} is not among the options")


def shows(root: Path) -> set[str]:
    """Every vignette an exam can show (each student sees one item of each pool)."""
    return {*AREA_POOLS["q1"], *AREA_POOLS["q2"], *STAGE_POOL, *FORMULATION_POOL}


def build_bank(root: Path | None = None) -> tuple[dict, dict]:
    """(public bank, keys per question). The keys are instructor-only."""
    root = root or repo_root()
    vignettes = {v.id: v for v in load_vignettes(root / "data" / "vignettes")}
    transcripts = {t.id: t for t in load_transcripts(root / "data" / "transcripts")}
    from ..pathway import load_bodies

    bodies = {b.id: b for b in load_bodies(root / "data" / "training")}
    prompts = bank_data(root)["prompts"]
    slots: dict[str, dict] = {}
    keys: dict[str, dict] = {}

    for slot, pool in AREA_POOLS.items():
        slots[slot] = {"kind": "area", "prompt": prompts["area"],
                       "items": {vid: vignettes[vid].public() for vid in pool}}
        keys[slot] = {vid: vignettes[vid].primary_area.label for vid in pool}
    slots["q3"] = {"kind": "stage", "prompt": prompts["stage"],
                   "items": {vid: vignettes[vid].public() for vid in STAGE_POOL}}
    keys["q3"] = {vid: vignettes[vid].dispute_stage.label for vid in STAGE_POOL}
    for slot, ids in TECHNIQUE_POOLS.items():
        items, answers = _turn_items(transcripts[tid] for tid in ids)
        slots[slot] = {"kind": "technique", "prompt": prompts["technique"], "items": items}
        keys[slot] = answers
    slots["q6"] = {"kind": "band", "prompt": prompts["band"],
                   "items": {f"B{score:02d}": {"question": f"A PHQ-9 total of {score}."} for score in BAND_SCORES}}
    keys["q6"] = {f"B{score:02d}": severity("PHQ-9", score) for score in BAND_SCORES}
    slots["q7"] = {"kind": "yesno", "prompt": prompts["response"],
                   "items": {f"R{b}-{f}": {"question": f"PHQ-9 {b} at intake, {f} at the last session."}
                             for b, f in RESPONSE_PAIRS}}
    keys["q7"] = {f"R{b}-{f}": "yes" if is_response(b, f) else "no" for b, f in RESPONSE_PAIRS}
    slots["q8"] = {"kind": "yesno", "prompt": prompts["remission"],
                   "items": {f"M{s[:3]}{n}": {"question": f"A {s} score of {n} at the end of treatment."}
                             for s, n in REMISSION_ITEMS}}
    keys["q8"] = {f"M{s[:3]}{n}": "yes" if is_remission(s, n) else "no" for s, n in REMISSION_ITEMS}
    items, answers = {}, {}
    for item_id, body, level, options, missing, amounts, log in pathway_items(root):
        found = bodies[body].level(level)
        reqs = [found.requirement(r) for r in options]
        _check_pathway_item(item_id, reqs, missing, amounts)
        items[item_id] = {"question": f"{log.format(**amounts)} Requirements: {bodies[body].name}, {found.name}. "
                                      "Which one is still missing?",
                          "options": [_requirement_text(r) for r in reqs]}
        answers[item_id] = "ABCD"[options.index(missing)]
    slots["q9"] = {"kind": "choice", "prompt": prompts["pathway"], "items": items}
    keys["q9"] = answers
    bank = {"name": ASSIGNMENT, "slots": slots,
            "formulation": {"items": {vid: vignettes[vid].public() for vid in FORMULATION_POOL}}}
    return bank, keys


SETUP = f"""
# Set-up: run this cell first.
import ipt_lib
from ipt_lib.exam import load_exam, pick
exam = load_exam("{BANK}")
exam
"""

def build_notebook(bank: dict, keys: dict, root: Path | None = None) -> nbformat.NotebookNode:
    text = partial(prose, root or repo_root(), ASSIGNMENT)
    cells = [md("intro", text("intro", total=9 + FORMULATION_POINTS, points=FORMULATION_POINTS)),
             code("setup", SETUP, locked=True)]
    for number, (slot, spec) in enumerate(bank["slots"].items(), 1):
        cells.append(md(f"{slot}-title", f"### Question {number} (1 point)"))
        cells.append(code(f"{slot}-show", f'exam.show("{slot}")', locked=True))
        hint = "a number" if spec["kind"] == "number" else "your answer in quotes"
        # The instructor's copy answers whichever item the current student draws (for `nbgrader validate`).
        solution = f"{keys[slot]!r}[pick(exam.student, {slot!r}, {sorted(keys[slot])!r})]"
        cells.append(code(f"{slot}_answer", f"# Question {number}: {hint}.\n{slot} = (\n    ### BEGIN SOLUTION\n"
                                             f"    {solution}\n    ### END SOLUTION\n)", solution=True))
        cells.append(keyed_test(f"{slot}_test", f"Question {number}: checks that your answer can be read (format "
                                 "only);\nwhether it is right is checked at grading.", "check_exam",
                                 f"{slot!r}, {spec['kind']!r}", "assert_exam", f"{slot!r}, {keys[slot]!r}, "
                                 f"{spec['kind']!r}"))
    cells.append(md("formulation-question", text("formulation-question", points=FORMULATION_POINTS), locked=True))
    cells.append(code("formulation-case", "from ipt_lib.deck import Card\n"
                                           "case_id = pick(exam.student, 'formulation', exam.bank['formulation']['items'])\n"
                                           "Card(dict(exam.bank['formulation']['items'][case_id], case='F'))",
                       locked=True))
    cells.append(md("formulation_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student version): "
                                           "grade with the rubric; the case is shown in the cell above.*\n"
                                           "### END SOLUTION", solution=True, grade=True, points=FORMULATION_POINTS))
    cells.append(md("checklist", text("checklist")))
    return notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    bank, keys = build_bank(root)
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(bank, keys, root), folder / NOTEBOOK)
    (folder / BANK).write_text(json.dumps(bank, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return [folder / NOTEBOOK, folder / BANK]


def answer_key(root: Path | None = None) -> dict:
    bank, keys = build_bank(root)
    return {"bank": bank, "keys": keys}
