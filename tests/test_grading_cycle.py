"""The real nbgrader cycle (generate, release, fetch, submit, collect, autograde, feedback, export)."""

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from ipt_lib.course import (assignment1, assignment2, assignment3, assignment4, assignment5, assignment6, assignment7,
                            assignment8)
from ipt_lib.course import registry
from ipt_lib.course.cycle import default_specs, format_summary, run_cycle
from ipt_lib.course.leaks import collect_secrets, scan_feedback
from ipt_lib.course.samples import Profile, exam_edit, sample_class

ROOT = Path(__file__).resolve().parents[1]


def _solution_for(assignment: str, notebook: str):
    def edit(nb, key):
        source = nbformat.read(ROOT / "source" / assignment / notebook, as_version=4)
        answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                   if c.metadata.get("nbgrader", {}).get("solution")}
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:  # the solution text itself, without nbgrader's markers or hidden tests
                text = answers[grade_id].split("### BEGIN HIDDEN TESTS")[0]
                cell.source = "\n".join(line for line in text.splitlines() if "###" not in line)
    return edit


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    own_solutions = {  # one more student per assignment: the source's own solutions, which must score full marks
        assignment1.ASSIGNMENT: ("the source's own solutions", 8),
        assignment2.ASSIGNMENT: ("the source's own solutions (inventory built in code)", 4),
        assignment3.ASSIGNMENT: ("the source's own solutions (pandas code and figure)", 12),
        assignment4.ASSIGNMENT: ("the source's own solutions (every label)", 14),
        assignment5.ASSIGNMENT: ("the source's own solutions (matching)", 4),
        assignment7.ASSIGNMENT: ("the source's own solutions (every rating)", 45),
        assignment8.ASSIGNMENT: ("the source's own solutions (inventory built in code)", 22),
    }
    specs = default_specs(ROOT)
    for spec in specs:
        if spec.name == assignment6.ASSIGNMENT:
            spec.profiles.append(Profile("zoe", "her own exam variant answered right", exam_edit("zoe"), 9))
        else:
            description, points = own_solutions[spec.name]
            spec.profiles.append(Profile("zoe", description, _solution_for(spec.name, spec.notebook), points))
    result = run_cycle(tmp_path_factory.mktemp("cycle") / "run", specs=specs, timeout=10, quiet=True)
    print(format_summary(result))
    return result


def by_student(cycle):
    return cycle.of(assignment1.ASSIGNMENT)


@pytest.mark.slow
def test_each_sample_submission_gets_exactly_its_expected_score(cycle):
    wrong = {r.student: (r.auto_score, r.expected_auto) for r in cycle.results if r.auto_score != r.expected_auto}
    assert not wrong


@pytest.mark.slow
def test_source_solution_scores_full_marks_on_every_autograded_item(cycle):
    zoe = by_student(cycle)["zoe"]
    assert zoe.items and all(score == 1 for score in zoe.items.values())


@pytest.mark.slow
def test_blank_release_scores_zero_without_crashing(cycle):
    ben = by_student(cycle)["ben"]
    assert ben.auto_score == 0 and ben.auto_max == len(assignment1.case_sets().graded)


@pytest.mark.slow
def test_partial_credit_is_per_item(cycle):
    chen = by_student(cycle)["chen"]
    assert [chen.items[f"case_{i}_test"] for i in range(1, 9)] == [1, 1, 1, 1, 1, 0, 0, 0]


@pytest.mark.slow
def test_looping_notebook_is_cut_by_the_timeout_and_graded(cycle):
    gus = by_student(cycle)["gus"]
    assert any("time limit" in note for note in gus.notes)
    assert gus.items["case_4_test"] == 0 and gus.auto_score == 7


@pytest.mark.slow
def test_tampered_test_cells_are_restored(cycle):
    hana, ivan = by_student(cycle)["hana"], by_student(cycle)["ivan"]
    assert any("case_1_test: deleted" in n for n in hana.notes) and hana.items["case_1_test"] == 0
    assert any("case_3_test: edited" in n for n in ivan.notes) and ivan.items["case_3_test"] == 0
    graded = nbformat.read(cycle.course / "autograded" / "ivan" / assignment1.ASSIGNMENT / assignment1.NOTEBOOK,
                           as_version=4)
    test3 = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "case_3_test")
    assert "assert_area" in test3.source


@pytest.mark.slow
def test_feedback_holds_no_hidden_test_or_solution(cycle):
    files = sorted((cycle.course / "feedback").rglob("*.html"))
    assert len(files) == len(cycle.results)  # one per student per assignment
    secrets = collect_secrets(ROOT).after_grading()  # a graded drill's rubric and model replies are feedback
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "assert_area" not in text and "BEGIN HIDDEN" not in text, path
        if "zoe" in path.parts:
            continue  # zoe submitted the source's own solution text: her feedback shows what she wrote
        assert not scan_feedback(path, secrets)


@pytest.mark.slow
def test_nothing_in_the_students_homes_leaks_a_key(cycle):
    # zoe submitted the source's own solution text, so her own home holds it; nobody else's may
    assert [leak for leak in cycle.home_leaks if "/zoe/" not in leak.path] == []


@pytest.mark.slow
def test_students_received_their_feedback(cycle):
    assert all(r.feedback is not None and r.feedback.exists() for r in cycle.results)


@pytest.mark.slow
def test_grades_csv_has_every_student_with_their_total(cycle):
    rows = {}
    with open(cycle.grades_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            rows[(row["assignment"], row["student_id"])] = row
    submitted = {(r.assignment, r.student) for r in cycle.results}
    assert submitted <= set(rows)
    assert all(float(row["score"]) == 0 for k, row in rows.items() if k not in submitted)  # did not submit
    for r in cycle.results:
        assert float(rows[(r.assignment, r.student)]["score"]) == pytest.approx(r.total)
    assert all(float(rows[(assignment1.ASSIGNMENT, s)]["max_score"]) == 12 for s in by_student(cycle))


@pytest.mark.slow
def test_written_answers_carry_the_graders_scores(cycle):
    results = by_student(cycle)
    assert results["ada"].manual_score == 4 and results["chen"].manual_score == 3
    assert results["ada"].total == 12


@pytest.mark.slow
def test_inventory_samples_get_exactly_their_expected_scores(cycle):
    results = cycle.of(assignment2.ASSIGNMENT)
    assert {s: (r.auto_score, r.expected_auto) for s, r in results.items() if r.auto_score != r.expected_auto} == {}
    assert results["zoe"].auto_score == 4 and results["ada"].total == 7


@pytest.mark.slow
def test_missing_or_damaged_inventory_scores_zero_on_those_items_with_a_message(cycle):
    results = cycle.of(assignment2.ASSIGNMENT)
    for student in ("dara", "eli"):
        items = results[student].items
        assert items["inner_partner_test"] == 0 and items["inner_child_test"] == 0
        assert items["tied_person_test"] == 1 and items["area_test"] == 1
    graded = nbformat.read(cycle.course / "autograded" / "eli" / assignment2.ASSIGNMENT / assignment2.NOTEBOOK,
                           as_version=4)
    test = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "inner_partner_test")
    message = test.outputs[0]["evalue"]
    assert "damaged" in message and "could not be graded" in message, message
    assert str(cycle.root) not in message and "/" not in message, "the grading server's path reached the student"
    graded = nbformat.read(cycle.course / "autograded" / "dara" / assignment2.ASSIGNMENT / assignment2.NOTEBOOK,
                           as_version=4)
    test = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "inner_partner_test")
    assert "there is no inventory.json in the submission" in test.outputs[0]["evalue"]


@pytest.mark.slow
def test_inner_ring_tolerance_is_applied(cycle):
    chen = cycle.of(assignment2.ASSIGNMENT)["chen"]
    assert chen.items["inner_partner_test"] == 0 and "tolerance" in chen.description


@pytest.mark.slow
def test_caseload_samples_get_exactly_their_expected_scores(cycle):
    results = cycle.of(assignment3.ASSIGNMENT)
    assert {s: (r.auto_score, r.expected_auto) for s, r in results.items() if not r.as_expected} == {}
    zoe = results["zoe"]
    assert zoe.auto_score == zoe.auto_max == 12  # the model solutions agree with the independently computed key
    assert results["ada"].total == 24 and results["ada"].manual_max == 12
    assert results["ivy"].items["risk_review_test"] == pytest.approx(0.25)  # totals >= 20: overlap 3/24 of 2 points
    assert results["chen"].items["deteriorated_test"] == pytest.approx(1.2)  # overlap 3/5 of 2 points
    assert results["eli"].items["response_by_area_test"] == 1.5              # 3 of 4 areas


@pytest.mark.slow
def test_caseload_feedback_explains_the_mistake_without_the_number(cycle):
    key = assignment3.answer_key(ROOT)
    html = cycle.of(assignment3.ASSIGNMENT)["chen"].feedback.read_text(encoding="utf-8")
    flat = " ".join(html.split())  # messages are wrapped at 88 characters
    assert "only clients who completed treatment are counted" in flat
    assert "counting a PHQ-9 of 5 as remission" in flat and "session number rather than weeks" in flat
    import re

    # the verdicts the grader wrote into the test cells (the page's CSS and score headers are not the question),
    # each on one line again (a wrapped message goes on in lines indented two spaces)
    text = "\n".join(re.sub(r"\n {2,}", " ", re.sub(r"<[^>]+>", " ", block))
                     for block in re.findall(r"<pre[^>]*>(.*?)</pre>", html, re.S))
    verdicts = "\n".join(line for line in text.splitlines()
                         if any(name in line for name in key) and ("course team" in line or "correct" in line))
    assert verdicts

    def shown(number: float) -> bool:  # the number as a number of its own ("7.0" is not shown by "17.0")
        return any(re.search(rf"(?<![\d.]){re.escape(t)}(?![\d])", verdicts)
                   for t in {repr(number), f"{number:.3f}", f"{number:.4g}"})

    for name in ("response_rate", "remission_rate", "median_weeks_to_response", "hamd_remission_completers"):
        assert not shown(key[name]["expected"]), name
    for wrong in key["response_rate"]["mistakes"].values():
        assert not shown(wrong)
    assert "assert_computed" not in html
    ivy = cycle.of(assignment3.ASSIGNMENT)["ivy"].feedback.read_text(encoding="utf-8")
    assert "only totals of 20 or more are flagged" in " ".join(ivy.split())
    assert not any(cid in ivy for cid in key["risk_review"]["expected"] if f"'{cid}'" in ivy or f"&#x27;{cid}&#x27;" in ivy)


@pytest.mark.slow
def test_caseload_tampered_and_raising_submissions(cycle):
    results = cycle.of(assignment3.ASSIGNMENT)
    assert results["hana"].auto_score == 12 and any("restored" in n for n in results["hana"].notes)
    assert results["femi"].items["dropout_by_setting_test"] == 0
    assert results["gus"].items["median_lag_days_test"] == 0
    assert any("time limit" in n for n in results["gus"].notes)
    graded = nbformat.read(cycle.course / "autograded" / "gus" / assignment3.ASSIGNMENT / assignment3.NOTEBOOK,
                           as_version=4)
    restored = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "median_lag_days_test")
    assert "assert_computed(" in restored.source  # the instructor sees the real test after grading


@pytest.mark.slow
def test_techniques_samples_get_exactly_their_expected_scores(cycle):
    results = cycle.of(assignment4.ASSIGNMENT)
    assert {s: (r.auto_score, r.expected_auto) for s, r in results.items() if not r.as_expected} == {}
    assert results["zoe"].auto_score == results["zoe"].auto_max == 14
    assert results["chen"].items["T10_techniques_test"] == 2  # 6 of 9 turns: partial credit per turn
    assert results["eli"].items["T10_techniques_test"] == 2   # misspelt, unlabelled and made-up labels miss
    assert results["ada"].total == 18


@pytest.mark.slow
def test_techniques_feedback_names_turns_not_labels(cycle):
    html = cycle.of(assignment4.ASSIGNMENT)["chen"].feedback.read_text(encoding="utf-8")
    html = " ".join(html.split())  # messages are wrapped at 88 characters
    assert "is not the technique the course team chose" in html and "turn " in html
    key = assignment4.answer_key(ROOT)
    for turn, label in key["T10_techniques"].items():
        assert f"{turn}: {label!r}" not in html and f"{turn}: &#x27;{label}&#x27;" not in html


@pytest.mark.slow
def test_approaches_samples_get_exactly_their_expected_scores(cycle):
    results = cycle.of(assignment5.ASSIGNMENT)
    assert {s: (r.auto_score, r.expected_auto) for s, r in results.items() if not r.as_expected} == {}
    assert results["zoe"].auto_score == 4 and results["ada"].total == 8


@pytest.mark.slow
def test_exam_variants_are_graded_for_the_student_who_submitted(cycle):
    results = cycle.of(assignment6.ASSIGNMENT)
    assert {s: (r.auto_score, r.expected_auto) for s, r in results.items() if not r.as_expected} == {}
    for student in ("ada", "dara", "zoe"):  # three different variants, each answered right: full marks
        assert results[student].auto_score == results[student].auto_max == 9
    assert results["femi"].auto_score < 9  # a neighbour's answers do not fit this student's exam
    graded = nbformat.read(cycle.course / "autograded" / "zoe" / assignment6.ASSIGNMENT / assignment6.NOTEBOOK,
                           as_version=4)
    setup = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    assert "Exam for <b>zoe</b>" in str(setup.outputs)  # the autograded copy shows the items zoe answered


def _scores(gradebook: Path, assignment: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook}") as gb:
        return {(sub.student.id, grade.name): (grade.auto_score, grade.max_score)
                for sub in gb.assignment_submissions(assignment) for nb in sub.notebooks for grade in nb.grades}


@pytest.mark.slow
def test_parallel_autograde_scores_equal_sequential_nbgrader(cycle, tmp_path):
    """The cycle graded with `ipt-course autograde` (every core); plain `nbgrader autograde` on a copy agrees."""
    from ipt_lib.course.nbgrader_cli import Nbgrader

    copy = tmp_path / "run"
    shutil.copytree(cycle.root, copy, symlinks=True,
                    ignore=shutil.ignore_patterns("students", "ipc", "warm", "warm-share", "*.sock"))
    course = copy / "course"
    config = (course / "nbgrader_config.py").read_text().replace(str(cycle.root), str(copy))
    (course / "nbgrader_config.py").write_text(config)
    share = copy / "sandbox" / "share"
    kernel = share / "kernels" / "ipt-sandbox" / "kernel.json"
    kernel.write_text(kernel.read_text().replace(str(cycle.root), str(copy)))
    Nbgrader(course, jupyter_path=share)("autograde", assignment1.ASSIGNMENT, "--force", check=False)
    parallel = _scores(cycle.course / "gradebook.db", assignment1.ASSIGNMENT)
    sequential = _scores(course / "gradebook.db", assignment1.ASSIGNMENT)
    assert parallel and parallel == sequential


@pytest.mark.slow
def test_parallel_autograde_resumes_only_what_is_left(cycle, tmp_path):
    from ipt_lib.course.parallel import _write_journal, autograde, plan, read_journal

    course = cycle.course
    journal = read_journal(course, assignment2.ASSIGNMENT)
    assert set(journal) == {p.student for p in registry.get(assignment2.ASSIGNMENT).sample_class({})} | {"zoe"}
    todo, skipped = plan(course, assignment2.ASSIGNMENT)
    assert todo == [] and len(skipped) == len(journal)
    # as if the run had stopped before two submissions were recorded
    _write_journal(course, assignment2.ASSIGNMENT, {k: v for k, v in journal.items() if k not in ("ben", "chen")})
    before = _scores(course / "gradebook.db", assignment2.ASSIGNMENT)
    lines = []
    summaries = autograde(course, [assignment2.ASSIGNMENT], workers=2, jupyter_path=cycle.root / "sandbox" / "share",
                          echo=lines.append)
    summary = summaries[assignment2.ASSIGNMENT]
    assert sorted(o.student for o in summary.graded) == ["ben", "chen"] and not summary.failed
    assert len(summary.skipped) == len(journal) - 2
    assert _scores(course / "gradebook.db", assignment2.ASSIGNMENT) == before
    assert set(read_journal(course, assignment2.ASSIGNMENT)) == set(journal)


@pytest.mark.slow
def test_each_student_fetched_only_their_own_feedback(cycle):
    for r in cycle.results:
        folders = list((cycle.root / "students" / r.student / r.assignment / "feedback").iterdir())
        assert len(folders) == 1, (r.student, r.assignment, folders)


@pytest.mark.slow
def test_main_command_writes_item_analysis_and_lms_files(cycle):
    for spec_name in (assignment1.ASSIGNMENT, assignment3.ASSIGNMENT, assignment6.ASSIGNMENT):
        html = (cycle.course / f"item-analysis-{spec_name}.html").read_text(encoding="utf-8")
        assert "data:image/png;base64," in html and "alt=" in html
        assert (cycle.course / f"item-analysis-{spec_name}.csv").exists()
    canvas = (cycle.root / "canvas-grades.csv").read_text(encoding="utf-8-sig").splitlines()
    assert canvas[0].startswith("Student,ID,SIS User ID,SIS Login ID,Section") and canvas[1].startswith("Points Possible")
    notes = (cycle.root / "lms-export-notes.csv").read_text(encoding="utf-8-sig")
    assert "missing" in notes  # ivan is only in assignment 1's sample class: his other assignments are explicit
    assert (cycle.root / "moodle-grades.csv").exists()


@pytest.mark.slow
def test_drill_rubrics_reach_the_graded_notebook_and_the_feedback_but_not_the_release(cycle):
    graded = nbformat.read(cycle.course / "autograded" / "ada" / assignment7.ASSIGNMENT / assignment7.NOTEBOOK,
                           as_version=4)
    assert sum(1 for c in graded.cells if c.get("id", "").endswith("-rubric")) == len(assignment7.DRILL_IDS)
    assert "Two model replies" in cycle.of(assignment7.ASSIGNMENT)["ada"].feedback.read_text(encoding="utf-8")
    released = cycle.course / "release" / assignment7.ASSIGNMENT / assignment7.NOTEBOOK
    assert "Two model replies" not in released.read_text(encoding="utf-8")


@pytest.mark.slow
def test_item_analysis_shows_how_far_the_class_rates_from_the_key(cycle):
    page = (cycle.course / f"item-analysis-{assignment7.ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert "Fidelity ratings: how far the class sits from the key" in page and "Missed the lapse" in page


@pytest.mark.slow
def test_portfolio_rubrics_reach_the_graded_notebook_and_a_tampered_area_check_is_restored(cycle):
    results = cycle.of(assignment8.ASSIGNMENT)
    graded = nbformat.read(cycle.course / "autograded" / "ada" / assignment8.ASSIGNMENT / assignment8.NOTEBOOK,
                           as_version=4)
    assert sum(1 for c in graded.cells if c.get("id", "").endswith("-rubric")) == len(assignment8.MANUAL)
    feedback = results["ada"].feedback.read_text(encoding="utf-8")  # rendered: the Markdown's ** are gone
    assert "Rubric: the interpersonal formulation" in feedback and "The course team's answer" in feedback
    released = (cycle.course / "release" / assignment8.ASSIGNMENT / assignment8.NOTEBOOK).read_text(encoding="utf-8")
    assert "Rubric: the interpersonal formulation" not in released and "The course team" not in released
    dee = results["dee"]
    assert dee.items["area_test"] == 0 and dee.auto_score == 19
    assert results["eli"].items["measures_test"] == 0 and results["cai"].auto_score == 13
