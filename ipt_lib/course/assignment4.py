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
from pathlib import Path

import nbformat

from ..transcripts import Transcript, load_transcripts
from .assignment1 import _code, _keyed_test, _md, _notebook, repo_root

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


INTRO = f"""
# Assignment 4: Techniques in practice

**Time:** about 90 minutes. **Points:** {LABEL_POINTS * 4 + 2 + MANUAL_POINTS} ({LABEL_POINTS * 4 + 2} autograded, {MANUAL_POINTS} graded by your instructor).

After this assignment you can:
1. name the technique an IPT therapist uses in each turn of a session (the 2018 *Guide*'s list, plus use of
   the therapeutic relationship from the original manual; Weissman et al., 2018);
2. recognise the communication problems in a client's account of an exchange;
3. stage a role dispute (renegotiation, impasse, dissolution; Weissman et al., 2018);
4. analyse one exchange and propose a clearer way to say it.

**A note on the communication categories.** The four categories used here (ambiguous nonverbal communication; assuming one has communicated or understood; needlessly indirect communication; silence that closes off
communication) are taught *as commonly summarised from Klerman et al. (1984)*. Such summaries usually list five
kinds, with "wrongly assuming one has communicated" and "wrongly assuming one has understood" as two; this course
merges those two into one category, so it uses four. Our course reference marks the list, and even its number,
UNCONFIRMED: no retrieved source lists them (Klerman et al., 1984; Weissman et al., 2018; Reynolds et al., 1999a). Treat them as a teaching tool, not a canon.

**How it is graded.** Labels are read from the text of your answer cells, so write them in quotes. The check under
each answer tells you whether every label can be read (spelling and synonyms are forgiven, for example "roleplay");
it does not say whether a label is right. Each transcript's labels share its {LABEL_POINTS} points equally, so a
partly right set earns part of the points.

*All sessions are fictional. Content note: one excerpt concerns a man with PTSD after a fatal fire.*
"""

SETUP = f"""
# Set-up: run this cell first.
import ipt_lib
from ipt_lib.transcripts import load_case_file, load_transcript
transcripts = load_case_file("{CASES}")
print("Transcripts:", ", ".join(f"{{t.id}} ({{t.client.name}})" for t in transcripts.values()))
"""

REFERENCE = """
## The labels you will use

Run the cell for the definitions. Technique labels: nondirective exploration, direct elicitation, encouragement of
affect, clarification, communication analysis, decision analysis, role play, use of the therapeutic relationship,
directive (advice, psychoeducation).
"""

REFERENCE_CODE = """
for technique in ipt_lib.Technique:
    print(f"{technique.label}: {technique.definition}")
print()
for problem in ipt_lib.CommunicationProblem:
    print(f"{problem.label}: {problem.definition}")
"""

PRACTICE = f"""
## Warm-up (not graded): a practice transcript with its key

Label the therapist turns of this practice session, then run the cell: each label you give is marked right or
wrong and the course's label is shown, because this is practice (turns still at `...` are left unmarked). Change `my_labels` and run it again as often as you like.
"""

PRACTICE_CODE = """
practice = load_transcript("practice_{pid}.toml")
my_labels = {{{turns}}}   # replace each ... with your label in quotes
practice.show(my_labels)
"""

PART_A = f"""
## Part A: Which technique? ({LABEL_POINTS * 2} points, autograded)

For each transcript, label **every therapist turn** with the one technique it uses. Replace each `...` with a label in
quotes.
"""

PART_B = f"""
## Part B: Communication problems and dispute stages ({LABEL_POINTS * 2 + 2} points, autograded)

These two sessions are about role disputes. For each, label the **client's accounts of an exchange** listed in the
answer cell with the communication problem each shows ({LABEL_POINTS} points per transcript), then say which stage
the dispute is in: renegotiation, impasse or dissolution (1 point each; Weissman et al., 2018).
"""

ANALYSIS_TEXT = f"""
## Part C: A communication analysis ({MANUAL_POINTS} points, graded by your instructor)

Read turns {ANALYSIS[1]} of {ANALYSIS[0]} again. In 150-250 words: (1) reconstruct the exchange Marek reports, step
by step: what was said or done, by whom, and how each probably understood it; (2) name where the communication
failed and why; (3) write, in Marek's own voice, what he could have said instead, in one or two sentences; (4) say
how you would use a role play to rehearse it in the next session (Weissman et al., 2018).

**Rubric** (1 point each): the reconstruction follows the exchange turn by turn; the failure is named precisely and
tied to the client's account (not to a diagnosis); the alternative is direct, specific and in the client's voice;
the role-play plan is concrete (who plays whom, what is rehearsed, how it is debriefed).
"""

CHECKLIST = """
## Before you submit

1. Every check printed "read as" (a label that cannot be read, or a turn left unlabelled, is named).
2. Part C has your written analysis.
3. **Kernel → Restart Kernel and Run All Cells**, then save, then **Validate** and **Submit**.

**Key points:** name the technique by what the therapist's words do (an open invitation, a specific question,
restating a contrast, going over an exchange line by line, weighing options, rehearsing); a client's account of an
exchange shows where communication fails; staging a dispute decides the work (Weissman et al., 2018).
"""


def _answer_cell(name: str, turns: list[int], labels: dict[int, str], comment: str) -> nbformat.NotebookNode:
    stub = ",\n".join(f"    {t}: ..." for t in turns)
    solution = ",\n".join(f"    {t}: {labels[t]!r}" for t in turns)
    return _code(f"{name}_answer",
                 f"# {comment}\n{name} = {{\n{stub},\n}}\n"
                 f"### BEGIN SOLUTION\n{name} = {{\n{solution},\n}}\n### END SOLUTION",
                 solution=True)


def _labels_test(name: str, kind: str, labels: dict[int, str]) -> nbformat.NotebookNode:
    turns = list(labels)
    return _keyed_test(f"{name}_test", f"Checks that every turn's label can be read as a {kind.replace('communication', 'communication problem')} "
                       "(format only);\nwhether the labels are right is checked at grading.",
                       "check_labels", f"{name!r}, {kind!r}, {turns!r}",
                       "assert_labels", f"{name!r}, {labels!r}, {kind!r}, {LABEL_POINTS}", points=LABEL_POINTS)


def build_notebook(key: dict, found: dict[str, Transcript]) -> nbformat.NotebookNode:
    practice = found[PRACTICE_ID]
    practice_turns = ", ".join(f"{t.number}: ..." for t in practice.turns if t.speaker == "therapist")
    cells = [
        _md("intro", INTRO),
        _code("setup", SETUP, locked=True),
        _md("reference", REFERENCE),
        _code("reference-code", REFERENCE_CODE),
        _md("practice", PRACTICE),
        _code("practice-code", PRACTICE_CODE.format(pid=PRACTICE_ID.lower(), turns=practice_turns)),
        _md("part-a", PART_A),
    ]
    for tid in TECHNIQUE_IDS:
        name = f"{tid}_techniques"
        t = found[tid]
        cells.append(_md(f"{tid}-title", f"### {tid}: {t.title} ({LABEL_POINTS} points)\n\n{t.client.name}, "
                                         f"{t.client.age}; {t.phase.label} phase, session {t.session} of "
                                         f"{t.planned_sessions}."))
        cells.append(_code(f"{tid}-show", f'transcripts["{tid}"]', locked=True))
        cells.append(_answer_cell(name, list(key[name]), key[name], "Therapist turns: one technique each, in quotes."))
        cells.append(_labels_test(name, "technique", key[name]))
    cells.append(_md("part-b", PART_B))
    for tid in COMMUNICATION_IDS:
        name = f"{tid}_communication"
        t = found[tid]
        cells.append(_md(f"{tid}-title", f"### {tid}: {t.title} ({LABEL_POINTS + 1} points)\n\n{t.client.name}, "
                                         f"{t.client.age}; {t.phase.label} phase, session {t.session} of "
                                         f"{t.planned_sessions}."))
        cells.append(_code(f"{tid}-show", f'transcripts["{tid}"]', locked=True))
        cells.append(_answer_cell(name, list(key[name]), key[name],
                                  "The client's accounts of an exchange: one communication problem each, in quotes."))
        cells.append(_labels_test(name, "communication", key[name]))
        stage = f"{tid}_stage"
        cells.append(_code(f"{stage}_answer", f"# The stage of this dispute, in quotes.\n{stage} = (\n"
                                              f"    ### BEGIN SOLUTION\n    {key[stage]!r}\n    ### END SOLUTION\n)",
                           solution=True))
        cells.append(_keyed_test(f"{stage}_test", "Checks the format of your answer only.", "check_stage_format",
                                 repr(stage), "assert_stage", f"{stage!r}, {key[stage]!r}"))
    cells.append(_md("analysis-question", ANALYSIS_TEXT, locked=True))
    cells.append(_md("analysis_answer", "### BEGIN SOLUTION\n*For graders only (removed from the student version): "
                                        "see the rationales of turns 8-11 in data/transcripts/t06.toml.*\n"
                                        "### END SOLUTION", solution=True, grade=True, points=MANUAL_POINTS))
    cells.append(_md("checklist", CHECKLIST))
    return _notebook(cells)


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
    nbformat.write(build_notebook(key, found), folder / NOTEBOOK)
    cases = {"name": ASSIGNMENT, "transcripts": [found[tid].public_record()
                                                 for tid in TECHNIQUE_IDS + COMMUNICATION_IDS]}
    (folder / CASES).write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n", "utf-8")
    practice = folder / f"practice_{PRACTICE_ID.lower()}.toml"
    shutil.copyfile(root / "data" / "transcripts" / f"{PRACTICE_ID.lower()}.toml", practice)
    return [folder / NOTEBOOK, folder / CASES, practice]
