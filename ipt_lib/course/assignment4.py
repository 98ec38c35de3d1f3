"""Assignment 4 (techniques in practice): its notebook and case files, built from data/transcripts.

Students label the therapist turns of two graded transcripts by technique and the client's accounts of exchanges in
two others by communication problem (auto-graded per turn, partial credit), stage two role disputes, and write a
communication analysis of one exchange (rubric). The labels are read from the answer cells' text in the grader's
process (``StaticAnswerGrader``), like Assignment 1's areas. The key lives in data/transcripts (graded files) and in
the source notebook's hidden tests; the student version gets public copies without labels or stages.
"""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

import nbformat

from ..transcripts import Transcript, load_transcripts
from .cells import code, keyed_test, md, notebook, prose, repo_root

ASSIGNMENT = "a4_techniques"
NOTEBOOK = "techniques.ipynb"
CASES = "transcripts.json"
PRACTICE_ID = "T05"                  # a practice transcript: its labels may be shown
TECHNIQUE_IDS = ("T10", "T13")       # graded: label every therapist turn
COMMUNICATION_IDS = ("T06", "T08")   # graded role disputes: label the client's accounts; stage the dispute
ANALYSIS = ("T06", "8-11")           # the exchange analysed in writing
LABEL_POINTS = 3
MANUAL_POINTS = 4


def transcripts(root: Path | None = None) -> dict[str, Transcript]:
    return {t.id: t for t in load_transcripts((root or repo_root()) / "data" / "transcripts")}


def answer_key(root: Path | None = None) -> dict:
    """Instructor-only: {"<ID>_techniques": {turn: label}, "<ID>_communication": {...}, "<ID>_stage": stage}."""
    found = transcripts(root)
    key: dict = {}
    for tid in TECHNIQUE_IDS:
        key[f"{tid}_techniques"] = {t.number: t.technique.label for t in found[tid].turns if t.technique}
    for tid in COMMUNICATION_IDS:
        key[f"{tid}_communication"] = {t.number: t.communication_problem.label for t in found[tid].turns
                                       if t.communication_problem}
        key[f"{tid}_stage"] = found[tid].dispute_stage.label
    return key


SETUP = f"""
# Set-up: run this cell first.
import ipt_lib
from ipt_lib.transcripts import load_case_file, load_transcript
transcripts = load_case_file("{CASES}")
print("Transcripts:", ", ".join(f"{{t.id}} ({{t.client.name}})" for t in transcripts.values()))
"""

REFERENCE_CODE = """
for technique in ipt_lib.Technique:
    print(f"{technique.label}: {technique.definition}")
print()
for problem in ipt_lib.CommunicationProblem:
    print(f"{problem.label}: {problem.definition}")
"""

PRACTICE_CODE = """
practice = load_transcript("practice_{pid}.toml")
my_labels = {{{turns}}}   # replace each ... with your label in quotes
practice.show(my_labels)
"""

def _answer_cell(name: str, turns: list[int], labels: dict[int, str], comment: str) -> nbformat.NotebookNode:
    stub = ",\n".join(f"    {t}: ..." for t in turns)
    solution = ",\n".join(f"    {t}: {labels[t]!r}" for t in turns)
    return code(f"{name}_answer",
                 f"# {comment}\n{name} = {{\n{stub},\n}}\n"
                 f"### BEGIN SOLUTION\n{name} = {{\n{solution},\n}}\n### END SOLUTION",
                 solution=True)


def _labels_test(name: str, kind: str, labels: dict[int, str]) -> nbformat.NotebookNode:
    turns = list(labels)
    return keyed_test(f"{name}_test", f"Checks that every turn's label can be read as a {kind.replace('communication', 'communication problem')} "
                       "(format only);\nwhether the labels are right is checked at grading.",
                       "check_labels", f"{name!r}, {kind!r}, {turns!r}",
                       "assert_labels", f"{name!r}, {labels!r}, {kind!r}, {LABEL_POINTS}", points=LABEL_POINTS)


def build_notebook(key: dict, found: dict[str, Transcript], root: Path | None = None) -> nbformat.NotebookNode:
    text = partial(prose, root or repo_root(), ASSIGNMENT)
    practice = found[PRACTICE_ID]
    practice_turns = ", ".join(f"{t.number}: ..." for t in practice.turns if t.speaker == "therapist")
    cells = [
        md("intro", text("intro", total=LABEL_POINTS * 4 + 2 + MANUAL_POINTS, auto=LABEL_POINTS * 4 + 2,
                           manual=MANUAL_POINTS, label_points=LABEL_POINTS)),
        code("setup", SETUP, locked=True),
        md("reference", text("reference")),
        code("reference-code", REFERENCE_CODE),
        md("practice", text("practice")),
        code("practice-code", PRACTICE_CODE.format(pid=PRACTICE_ID.lower(), turns=practice_turns)),
        md("part-a", text("part-a", points=LABEL_POINTS * 2)),
    ]
    for tid in TECHNIQUE_IDS:
        name = f"{tid}_techniques"
        t = found[tid]
        cells.append(md(f"{tid}-title", f"### {tid}: {t.title} ({LABEL_POINTS} points)\n\n{t.client.name}, "
                                         f"{t.client.age}; {t.phase.label} phase, session {t.session} of "
                                         f"{t.planned_sessions}."))
        cells.append(code(f"{tid}-show", f'transcripts["{tid}"]', locked=True))
        cells.append(_answer_cell(name, list(key[name]), key[name], "Therapist turns: one technique each, in quotes."))
        cells.append(_labels_test(name, "technique", key[name]))
    cells.append(md("part-b", text("part-b", points=LABEL_POINTS * 2 + 2, label_points=LABEL_POINTS)))
    for tid in COMMUNICATION_IDS:
        name = f"{tid}_communication"
        t = found[tid]
        cells.append(md(f"{tid}-title", f"### {tid}: {t.title} ({LABEL_POINTS + 1} points)\n\n{t.client.name}, "
                                         f"{t.client.age}; {t.phase.label} phase, session {t.session} of "
                                         f"{t.planned_sessions}."))
        cells.append(code(f"{tid}-show", f'transcripts["{tid}"]', locked=True))
        cells.append(_answer_cell(name, list(key[name]), key[name],
                                  "The client's accounts of an exchange: one communication problem each, in quotes."))
        cells.append(_labels_test(name, "communication", key[name]))
        stage = f"{tid}_stage"
        cells.append(code(f"{stage}_answer", f"# The stage of this dispute, in quotes.\n{stage} = (\n"
                                              f"    ### BEGIN SOLUTION\n    {key[stage]!r}\n    ### END SOLUTION\n)",
                           solution=True))
        cells.append(keyed_test(f"{stage}_test", "Checks the format of your answer only.", "check_stage_format",
                                 repr(stage), "assert_stage", f"{stage!r}, {key[stage]!r}"))
    cells.append(md("analysis-question", text("analysis-question", manual=MANUAL_POINTS, turns=ANALYSIS[1],
                                                     transcript=ANALYSIS[0]), locked=True))
    cells.append(md("analysis_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student version): "
                                        "see the rationales of turns 8-11 in data/transcripts/t06.toml.*\n"
                                        "### END SOLUTION", solution=True, grade=True, points=MANUAL_POINTS))
    cells.append(md("checklist", text("checklist")))
    return notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    found = transcripts(root)
    for tid in TECHNIQUE_IDS + COMMUNICATION_IDS:
        if not found[tid].is_graded:
            raise ValueError(f"{tid} must be a graded transcript")
    if found[PRACTICE_ID].is_graded:
        raise ValueError(f"{PRACTICE_ID} must be a practice transcript")
    key = answer_key(root)
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(key, found, root), folder / NOTEBOOK)
    cases = {"name": ASSIGNMENT, "transcripts": [found[tid].public_record()
                                                 for tid in TECHNIQUE_IDS + COMMUNICATION_IDS]}
    (folder / CASES).write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n", "utf-8")
    practice = folder / f"practice_{PRACTICE_ID.lower()}.toml"
    shutil.copyfile(root / "data" / "transcripts" / f"{PRACTICE_ID.lower()}.toml", practice)
    return [folder / NOTEBOOK, folder / CASES, practice]
