"""Assignment 8 (the portfolio case) as built: the case file's check, the scores' key worked out from the item
answers, the scores rule, what the student version holds, the rubrics shown only after grading, the sample class's
scores as the grader reads the cells, and the leak check's new secrets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from ipt_lib.course import assignment8
from ipt_lib.course.cells import SHOWN_AFTER_GRADING
from ipt_lib.course.leaks import collect_secrets, scan
from ipt_lib.course.portfolio import PortfolioDataError, load_case, measures_key
from ipt_lib.course.preprocessors import ShowDrillRubrics, verdict_outputs
from ipt_lib.course.registry import get
from ipt_lib.course.samples.portfolio import portfolio_class
from ipt_lib.course.sealing import keyed_checks, seal_keyed_source
from ipt_lib.grading import KEYED_CHECKS, RULES

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "data" / "portfolio" / "p01.toml"
SOURCE = ROOT / "source" / assignment8.ASSIGNMENT
RELEASE = ROOT / "release" / assignment8.ASSIGNMENT


def _cells(path: Path) -> dict[str, nbformat.NotebookNode]:
    nb = nbformat.read(path / assignment8.NOTEBOOK, as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id") or c.get("id"): c for c in nb.cells}


def _edited_case(tmp_path: Path, old: str, new: str) -> Path:
    text = CASE.read_text("utf-8")
    assert old in text
    path = tmp_path / "p01.toml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


# --- the case file and its check ---------------------------------------------------------------------------------

def test_case_loads_with_a_full_course_and_measures_at_intake_and_every_four_sessions():
    case = load_case(CASE)
    assert [s.n for s in case.sessions] == list(range(1, case.planned_sessions + 1))
    assert 12 <= case.planned_sessions <= 16 and 6 <= len(case.people) <= 9
    assert case.measured_sessions == (1, 4, 8, 12, 16)
    assert case.content_note and case.measures[0].phq9[8] > 0  # risk at intake, with its note


@pytest.mark.parametrize("old,new,field", [
    ('name = "Helen"', 'name = "Helena"', "people"),                      # listed but not in the interview
    ("[[sessions]]\nn = 7", "[[sessions]]\nn = 9", "sessions"),           # a session missing, one twice
    ("session = 8\n", "session = 9\n", "measures"),                       # not every four sessions
    ("phq9 = [2, 2, 2, 2, 1, 1, 2, 0, 0]", "phq9 = [2, 2, 2, 2, 1, 1, 4, 0, 0]", "measures[2] (session 8)"),
    ("gad7 = [1, 1, 0, 1, 0, 1, 0]", "gad7 = [1, 1, 0, 1, 0, 1]", "measures[4] (session 16)"),
    ('speaker = "client"', 'speaker = "patient"', "transcript.turns[2].speaker"),
    ("planned_sessions = 16", "planned_sessions = 20", "planned_sessions"),
])
def test_a_wrong_field_is_named_with_its_file_and_what_to_fix(tmp_path, old, new, field):
    with pytest.raises(PortfolioDataError) as info:
        load_case(_edited_case(tmp_path, old, new))
    assert info.value.field == field and str(info.value).startswith("p01.toml, ")


def test_risk_in_the_case_needs_a_content_note(tmp_path):
    text = CASE.read_text("utf-8")
    start = text.index("content_note = ")
    end = text.index('"""', text.index('"""', start) + 3) + 3
    path = tmp_path / "p01.toml"
    path.write_text(text[:start] + text[end:], "utf-8")
    with pytest.raises(PortfolioDataError, match="content note is needed"):
        load_case(path)


def test_broken_toml_is_reported_not_raised_raw(tmp_path):
    path = tmp_path / "p01.toml"
    path.write_text('id = "P01\n', "utf-8")
    with pytest.raises(PortfolioDataError, match="not valid TOML"):
        load_case(path)


def test_check_command_names_the_bad_file_and_exits_nonzero(tmp_path, capsys):
    from ipt_lib.course.portfolio import main

    assert main([str(CASE.parent)]) == 0 and "ok   p01.toml: Farhan" in capsys.readouterr().out
    _edited_case(tmp_path, 'name = "Dev"', 'name = "Devi"')
    assert main([str(tmp_path)]) == 1
    assert "FAIL p01.toml, people: 'Devi' is listed but not named" in capsys.readouterr().err
    assert main([str(tmp_path / "empty")]) == 1


def test_key_naming_a_person_the_case_does_not_have_stops_the_build(tmp_path):
    folder = tmp_path / "data" / "assignments" / assignment8.ASSIGNMENT
    shutil.copytree(ROOT / "data" / "assignments" / assignment8.ASSIGNMENT, folder)
    shutil.copytree(ROOT / "data" / "portfolio", tmp_path / "data" / "portfolio")
    key = folder / "key.toml"
    key.write_text(key.read_text("utf-8").replace('name = "Helen"', 'name = "Hannah"'), "utf-8")
    with pytest.raises(ValueError, match="'Hannah' is not named in P01's inventory interview"):
        assignment8.answer_key(tmp_path)


# --- the scores' key and rule ------------------------------------------------------------------------------------

def test_scores_key_is_worked_out_from_the_items_by_the_course_definitions():
    key = measures_key(load_case(CASE))
    assert key["phq9"][1] == (19, ["moderately severe"]) and key["phq9"][16] == (5, ["mild"])
    assert key["gad7"][16] == (4, ["minimal"])
    assert key["response"] is True       # 19 -> 5 is a fall of 50% or more
    assert key["remission"] is False     # 5 is not below 5
    assert key["item9"] == [1, 4]


def test_scores_rule_gives_partial_credit_and_never_names_the_key():
    key = measures_key(load_case(CASE))
    right = {s: {n: (t, b[0]) for n, (t, b) in key[s].items()} for s in ("phq9", "gad7")}
    right.update(response=True, remission=False, item9=[1, 4])
    rule = RULES["assert_scores"]
    assert rule.grade("measures", right, key).share == 1
    wrong = dict(right, remission=True, phq9={**right["phq9"], 16: (6, "mild")})
    verdict = rule.grade("measures", wrong, key)
    assert verdict.share == pytest.approx(11.5 / 13)
    assert "PHQ-9 at session 16: the total" in verdict.message and "below 5" in verdict.message
    assert "(5," not in verdict.message and "19" not in verdict.message
    value, problem = rule.read('measures = {"phq9": {1: (sum([1, 2]), "mild")}}', "measures")
    assert value is None and "without running the cell" in problem


def test_band_names_are_matched_however_they_are_written():
    """Part B tells students the band names; capitals, hyphens, slashes and spaces do not cost them the half-part."""
    key = measures_key(load_case(CASE))
    right = {s: {n: (t, b[0]) for n, (t, b) in key[s].items()} for s in ("phq9", "gad7")}
    right.update(response=True, remission=False, item9=[1, 4])
    rule = RULES["assert_scores"]
    for written in ("Moderately Severe", "moderately-severe", "  moderately   severe "):
        answer = dict(right, phq9={**right["phq9"], 1: (19, written)})
        assert rule.grade("measures", answer, key).share == 1, written
    for written in ("none/minimal", "None-minimal", "minimal", "none"):   # PHQ-9 0-4: the course's name and its parts
        key0 = dict(key, phq9={**key["phq9"], 16: (3, ["none-minimal", "minimal", "none"])})
        answer = dict(right, phq9={**right["phq9"], 16: (3, written)})
        assert rule.grade("measures", answer, key0).share == 1, written
    answer = dict(right, phq9={**right["phq9"], 1: (19, "severe")})
    assert rule.grade("measures", answer, key).share < 1


def test_the_stub_left_as_it_is_earns_nothing_even_where_a_part_would_match():
    key = {"phq9": {1: (3, ["mild"])}, "gad7": {1: (2, ["minimal"])}, "response": False, "remission": False,
           "item9": []}
    stub = {"phq9": {1: (..., ...)}, "gad7": {1: (..., ...)}, "response": ..., "remission": ..., "item9": []}
    verdict = RULES["assert_scores"].grade("measures", stub, key)
    assert verdict.share == 0 and "No answer yet" in verdict.message


# --- the notebook ------------------------------------------------------------------------------------------------

def test_registry_lists_assignment8_with_its_four_written_parts():
    a = get(assignment8.ASSIGNMENT)
    assert a.manual == {"formulation_answer": 8, "session_plan_answer": 8, "summary_answer": 6,
                        "self_evaluation_answer": 6}
    auto = sum(float(c.metadata["nbgrader"]["points"]) for c in _cells(SOURCE).values()
               if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution"))
    assert auto == 22 and 40 <= auto + a.manual_points <= 60


def test_the_session_the_student_plans_is_left_out_of_the_case_notes():
    """Part D asks for a plan of one session; that session's note would answer it, so students see a placeholder."""
    planned = next(s for s in load_case(CASE).sessions if s.n == assignment8.PLAN_SESSION)
    notes = _cells(RELEASE)["session-notes"].source
    assert f"| {assignment8.PLAN_SESSION} | middle | {assignment8.LEFT_OUT} |" in notes
    assert " ".join(planned.note.split())[:40] not in " ".join(notes.split())
    assert f"Plan session {assignment8.PLAN_SESSION} " in _cells(RELEASE)["session_plan_answer-question"].source


def test_content_note_is_the_first_cell_and_the_risk_steps_are_taught():
    cells = _cells(RELEASE)
    nb = nbformat.read(RELEASE / assignment8.NOTEBOOK, as_version=4)
    assert nb.cells[0].source.startswith("> **Content note.**")
    risk = cells["risk"].source
    assert all(step in risk for step in ("Ask directly", "Assess further", "safety plan", "supervisor the same day"))


def test_scores_key_is_sealed_out_of_the_kernel():
    assert "assert_scores" in KEYED_CHECKS
    test = _cells(SOURCE)["measures_test"].source
    sealed = seal_keyed_source(test)
    assert "assert_scores" not in sealed and "check_scores" in sealed and not keyed_checks(sealed)


def test_release_holds_no_key_rubric_or_model_answer():
    text = " ".join(" ".join(p.read_text("utf-8").split()) for p in RELEASE.iterdir())
    assert not [s for s in assignment8.secrets(ROOT) if s in text]
    assert SHOWN_AFTER_GRADING not in text and "assert_" not in text
    assert json.loads((RELEASE / assignment8.FORM_FILE).read_text("utf-8"))["excerpts"] == []


def test_leak_check_finds_a_planted_model_answer_until_feedback(tmp_path):
    answer = assignment8.rubric(ROOT, "rubric-summary")[1]
    (tmp_path / "notes.md").write_text(answer, "utf-8")
    secrets = collect_secrets(ROOT)
    assert any("graded rationale" in str(leak) for leak in scan([tmp_path], secrets))
    assert not scan([tmp_path], secrets.after_grading())


def test_rubrics_are_shown_after_each_answer_only_from_the_gradebook_copy():
    source = _cells(SOURCE)
    release = nbformat.read(RELEASE / assignment8.NOTEBOOK, as_version=4)

    class FromSource(ShowDrillRubrics):
        def _source_cell(self, resources, grade_id):
            return source[grade_id].source if grade_id in source else None

    nb, _ = FromSource().preprocess(release, {})
    ids = [c.get("id") for c in nb.cells]
    for cell in assignment8.MANUAL:
        shown = nb.cells[ids.index(cell) + 1]
        assert shown.get("id") == f"{cell}-rubric" and shown.source.startswith("**Rubric")
        assert assignment8.MODEL_HEADING in shown.source and "HIDDEN TESTS" not in shown.source


# --- the sample class, graded as StaticAnswerGrader grades -------------------------------------------------------

def _grade(nb: nbformat.NotebookNode, folder: Path) -> float:
    source = _cells(SOURCE)
    student = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    total = 0.0
    for grade_id, test in source.items():
        meta = test.metadata.get("nbgrader", {})
        if not meta.get("grade") or meta.get("solution"):
            continue
        (function, name, *key), = keyed_checks(test.source)
        rule, points = RULES[function], float(meta["points"])
        if rule.reads == "file":
            path = folder / name
            verdict = rule.grade(name, (str(path), path.read_bytes() if path.exists() else None), *key)
        else:
            value, problem = rule.read(student[f"{name}_answer"].source, name)
            verdict = rule.unreadable(name, problem) if problem else rule.grade(name, value, *key)
        outputs = verdict_outputs(verdict, points, rule.partial)
        if outputs[0]["output_type"] == "error":
            continue
        results = [o for o in outputs if o["output_type"] == "execute_result"]
        total += float(results[0]["data"]["text/plain"]) if results else points
    return round(total, 4)


@pytest.mark.parametrize("profile", portfolio_class(), ids=lambda p: p.student)
def test_each_sample_profile_scores_what_it_states(profile, tmp_path):
    nb = nbformat.read(RELEASE / assignment8.NOTEBOOK, as_version=4)
    key = assignment8.answer_key(ROOT)
    profile.edit(nb, key)
    if profile.prepare:
        profile.prepare(tmp_path, key)
    assert _grade(nb, tmp_path) == profile.expected_auto


def test_release_notebook_runs_its_checks_in_a_kernel(tmp_path):
    """Executes the released notebook filled in with the source's own solutions: every check says it can read the
    answer (the widget and inventory file included), and nothing raises."""
    from nbclient import NotebookClient

    for path in RELEASE.iterdir():
        shutil.copy(path, tmp_path / path.name)
    source = _cells(SOURCE)
    nb = nbformat.read(tmp_path / assignment8.NOTEBOOK, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in source and source[grade_id].metadata["nbgrader"].get("solution"):
            text = source[grade_id].source.split("### BEGIN HIDDEN TESTS")[0]
            cell.source = "\n".join(line for line in text.splitlines() if "###" not in line)
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    printed = " ".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "measures: your answer can be read" in printed and (tmp_path / assignment8.INVENTORY_FILE).is_file()


def test_portfolio_modules_stay_readable_in_one_sitting():
    for name in ("course/portfolio.py", "course/assignment8.py", "grading/scores.py", "course/samples/portfolio.py"):
        assert len((ROOT / "ipt_lib" / name).read_text("utf-8").splitlines()) <= 400, name
