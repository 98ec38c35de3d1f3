"""The tasks of the initial and final phases, their practice key on T18-T21, and the immediate check."""

from __future__ import annotations

import re

import pytest

import ipt_lib
from ipt_lib.errors import StudentFacingError
from ipt_lib.phase_tasks import TASK_KEY, PhaseTask, PhaseTaskError, check_tasks, practice_turns
from ipt_lib.references import check_cited
from ipt_lib.techniques import Phase
from ipt_lib.transcripts import LabelError, load_transcripts


@pytest.fixture(scope="module")
def transcripts(root):
    return {t.id: t for t in load_transcripts(root / "data" / "transcripts")}


@pytest.fixture(scope="module")
def reference_sections(root):
    text = (root.parent / "shared" / "ipt-reference.md")
    if not text.exists():
        pytest.skip("shared/ipt-reference.md is not beside the repository")
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)", text.read_text(encoding="utf-8"), re.M))


def test_initial_tasks_are_the_six_of_the_reference_plus_the_risk_check():
    initial = {PhaseTask.parse(label) for label in PhaseTask.labels("initial")}
    assert len(initial) == 7 and PhaseTask.RISK_CHECK in initial
    assert "not one of the six" in PhaseTask.RISK_CHECK.description.lower()
    assert "course policy" in PhaseTask.RISK_CHECK.sources
    assert all(check_cited(t.sources) is None for t in initial), [t.sources for t in initial]


def test_ending_tasks_cite_the_final_phase_and_say_which_is_course_policy():
    ending = [PhaseTask.parse(label) for label in PhaseTask.labels(Phase.ENDING)]
    assert {t.phase for t in ending} == {Phase.ENDING} and len(ending) == 6
    assert all(check_cited(t.sources) is None for t in ending), [t.sources for t in ending]
    assert "course policy" in PhaseTask.TIME_LIMIT.sources
    assert "maintenance" in PhaseTask.NEW_CONTRACT.sources


@pytest.mark.parametrize("text, task", [
    ("Parsons' sick role", PhaseTask.SICK_ROLE), ("medical model", PhaseTask.SICK_ROLE),
    ("PHQ-9 feedback", PhaseTask.DIAGNOSIS), ("Item 9", PhaseTask.RISK_CHECK), ("suicide risk", PhaseTask.RISK_CHECK),
    ("inventory", PhaseTask.INVENTORY), ("the medication question", PhaseTask.MEDICATION),
    ("psycho-education", PhaseTask.MEDICATION), ("Formulation.", PhaseTask.FORMULATION),
    ("time limit", PhaseTask.CONTRACT), ("reminder", PhaseTask.TIME_LIMIT),
    ("relapse prevention", PhaseTask.RELAPSE_PLAN), ("maintenance", PhaseTask.NEW_CONTRACT),
    ("asking why better", PhaseTask.CONSOLIDATING_GAINS), ("feelings about ending", PhaseTask.ENDING_AS_TRANSITION),
    ("non-response", PhaseTask.OTHER_TREATMENT),
])
def test_parse_is_forgiving_like_the_other_labels(text, task):
    assert PhaseTask.parse(text) is task


def test_every_label_parses_to_itself():
    for task in PhaseTask:
        assert PhaseTask.parse(task.label.upper()) is task


def test_parse_explains_ambiguity_typos_and_non_text():
    with pytest.raises(PhaseTaskError, match="ambiguous"):
        PhaseTask.parse("ending")
    with pytest.raises(PhaseTaskError, match="Did you mean 'sick role'"):
        PhaseTask.parse("sick rol")
    with pytest.raises(PhaseTaskError) as info:
        PhaseTask.parse(3)
    assert isinstance(info.value, StudentFacingError) and "diagnosis" in str(info.value)


def test_the_key_labels_therapist_turns_of_practice_transcripts_of_the_right_phase(transcripts):
    assert set(TASK_KEY) == {"T18", "T19", "T20", "T21"}
    for tid, keys in TASK_KEY.items():
        t = transcripts[tid]
        assert t.use == "practice"
        for number, key in keys.items():
            assert t.turn(number).speaker == "therapist", (tid, number)
            assert key.task.phase is t.phase, (tid, number)
            assert check_cited(key.reason) is None, (tid, number, key.reason)


def test_the_key_covers_every_initial_task_and_the_ending_tasks_shown_in_t21():
    initial = {k.task for tid in ("T18", "T19", "T20") for k in TASK_KEY[tid].values()}
    assert initial == {PhaseTask.parse(label) for label in PhaseTask.labels("initial")}
    ending = {k.task for k in TASK_KEY["T21"].values()}
    assert ending == set(PhaseTask.parse(label) for label in PhaseTask.labels("ending")) - {PhaseTask.OTHER_TREATMENT}


def test_any_section_pointers_left_name_sections_the_reference_has(reference_sections):
    # Before the bibliography conversion the texts cite "ref §N"; every N must be a real section.
    cited = set()
    for text in [k.reason for keys in TASK_KEY.values() for k in keys.values()] + [t.sources for t in PhaseTask]:
        cited |= set(re.findall(r"ref §(\d+(?:\.\d+)?)", text))
    assert cited <= reference_sections, sorted(cited - reference_sections)


def test_check_marks_right_wrong_and_blank_answers_with_the_reason(transcripts):
    feedback = check_tasks("t18", {5: "risk", 13: "diagnosis", 3: ""}, transcripts.values())
    assert feedback.score == (1, 2)
    text = str(feedback)
    assert "turn 5: risk check (right)" in text and "key: sick role" in text and "not answered yet" in text
    page = feedback._repr_html_()
    assert "Parsons" in page and "#c62828" in page and "#2e7d32" in page


def test_check_accepts_a_second_label_where_the_key_allows_it(transcripts):
    assert check_tasks("T18", {11: "psychoeducation"}, transcripts.values()).score == (1, 1)
    assert check_tasks("T18", {11: "formulation"}, transcripts.values()).score == (0, 1)


def test_check_names_the_turn_when_a_label_cannot_be_read_and_refuses_other_turns(transcripts):
    with pytest.raises(PhaseTaskError, match="T19, turn 3"):
        check_tasks("T19", {3: "banana"}, transcripts.values())
    with pytest.raises(LabelError, match="not one of the practice turns"):
        check_tasks("T19", {4: "inventory"}, transcripts.values())
    with pytest.raises(LabelError, match="no task key"):
        check_tasks("T02", {1: "inventory"}, transcripts.values())


def test_practice_turns_split_by_phase_and_the_package_exports_the_check():
    assert set(practice_turns("initial")) == {"T18", "T19", "T20"} and set(practice_turns("ending")) == {"T21"}
    assert ipt_lib.check_tasks is check_tasks and ipt_lib.PhaseTask is PhaseTask
