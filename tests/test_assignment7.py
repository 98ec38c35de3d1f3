"""Assignment 7 (fidelity ratings and drills) as built: what the student version holds, how the grader scores a
rating from the cell's text, the drills' rubric shown only after grading, the sample class's scores, the leak
check's new secrets and the per-dimension item analysis."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from ipt_lib.course import assignment7
from ipt_lib.course.cells import SHOWN_AFTER_GRADING
from ipt_lib.course.leaks import collect_secrets, fidelity_secrets, scan
from ipt_lib.course.preprocessors import ShowDrillRubrics, verdict_outputs
from ipt_lib.course.registry import get
from ipt_lib.course.reports.ratings import rating_distances
from ipt_lib.course.samples.fidelity import fidelity_class
from ipt_lib.course.sealing import keyed_checks, seal_keyed_source
from ipt_lib.drills import check_saved_reply
from ipt_lib.grading import KEYED_CHECKS, RULES

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source" / assignment7.ASSIGNMENT
RELEASE = ROOT / "release" / assignment7.ASSIGNMENT


def _cells(path: Path) -> dict[str, nbformat.NotebookNode]:
    nb = nbformat.read(path / assignment7.NOTEBOOK, as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id") or c.get("id"): c for c in nb.cells}


def _grade(release_nb: nbformat.NotebookNode) -> float:
    """Score a filled-in student notebook as StaticAnswerGrader does: the key from the source's test cells, the
    answer from the student's answer cell's text."""
    source = _cells(SOURCE)
    student = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in release_nb.cells}
    total = 0.0
    for excerpt_id in assignment7.GRADED_IDS:
        name = assignment7.rating_name(excerpt_id)
        test = source[f"{name}_test"]
        (function, answer_name, *key), = keyed_checks(test.source)
        rule = RULES[function]
        value, problem = rule.read(student[f"{name}_answer"].source, answer_name)
        verdict = rule.unreadable(answer_name, problem) if problem else rule.grade(answer_name, value, *key)
        points = float(test.metadata["nbgrader"]["points"])
        outputs = verdict_outputs(verdict, points, rule.partial)
        if outputs[0]["output_type"] == "error":
            continue
        results = [o for o in outputs if o["output_type"] == "execute_result"]
        total += float(results[0]["data"]["text/plain"]) if results else points
    return round(total, 4)


def test_registry_lists_assignment7_with_its_four_hand_graded_drills():
    a = get(assignment7.ASSIGNMENT)
    assert a.manual == {"D01_answer": 3, "D02_answer": 3, "D03_answer": 3, "D05_answer": 3}
    assert "D03" in assignment7.DRILL_IDS  # the risk drill


def test_content_note_is_the_first_cell():
    nb = nbformat.read(RELEASE / assignment7.NOTEBOOK, as_version=4)
    assert nb.cells[0].source.startswith("> **Content note.**")
    assert "wish to be dead" in nb.cells[0].source


def test_rating_rule_is_registered_and_its_key_is_sealed_out_of_the_kernel():
    assert "assert_rating" in KEYED_CHECKS
    test = _cells(SOURCE)["rating_f02_test"].source
    sealed = seal_keyed_source(test)
    assert "assert_rating" not in sealed and "check_rating" in sealed
    assert not keyed_checks(sealed)


def test_release_ships_only_public_records():
    data = json.loads((RELEASE / assignment7.CASES).read_text("utf-8"))
    assert [e["id"] for e in data["excerpts"]] == [assignment7.PRACTICE_ID, *assignment7.GRADED_IDS]
    assert [("shown_key" in e) for e in data["excerpts"]] == [True, False, False, False]
    drills = json.loads((RELEASE / assignment7.DRILLS_FILE).read_text("utf-8"))
    assert sorted(d["id"] for d in drills["drills"]) == sorted(assignment7.DRILL_IDS)
    assert not any("rubric" in d or "models" in d for d in drills["drills"])


def test_release_holds_no_graded_reason_lapse_note_rubric_or_model_reply():
    graded, drills = fidelity_secrets(ROOT)
    secrets = graded + drills
    assert len(graded) > 30 and len(drills) > 30
    text = " ".join(" ".join(p.read_text("utf-8").split()) for p in RELEASE.iterdir())
    assert not [s for s in secrets if s in text]


def test_leak_check_finds_a_planted_model_reply(tmp_path):
    from ipt_lib.course.drill_feedback import load_drill_key

    reply = load_drill_key(ROOT / "data" / "drills" / "d03.toml").models[0].reply
    (tmp_path / "notes.md").write_text(f"A friend's answer: {reply}\n", "utf-8")
    secrets = collect_secrets(ROOT)
    assert any("graded rationale" in str(leak) for leak in scan([tmp_path], secrets))
    assert not scan([tmp_path], secrets.after_grading())  # the feedback shows it once the drill is graded


def test_feedback_may_show_the_drill_rubric_but_never_a_graded_excerpts_reasons(tmp_path):
    from ipt_lib.course.fidelity_key import load_key

    why = load_key(ROOT / "data" / "fidelity" / "f02.toml")["competence"].why
    (tmp_path / "feedback.html").write_text(f"<p>{why}</p>", "utf-8")
    assert scan([tmp_path], collect_secrets(ROOT).after_grading())


def test_source_solutions_score_full_marks_and_blank_scores_zero():
    release = nbformat.read(RELEASE / assignment7.NOTEBOOK, as_version=4)
    assert _grade(release) == 0
    source = _cells(SOURCE)
    for cell in release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("rating_") and grade_id.endswith("_answer"):
            cell.source = source[grade_id].source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    assert _grade(release) == 45


@pytest.mark.parametrize("profile", fidelity_class(), ids=lambda p: p.student)
def test_each_sample_profile_scores_what_it_states(profile):
    nb = nbformat.read(RELEASE / assignment7.NOTEBOOK, as_version=4)
    profile.edit(nb, assignment7.answer_key(ROOT))
    assert _grade(nb) == profile.expected_auto


def test_a_rating_the_grader_cannot_read_earns_nothing_with_a_reason():
    rule = RULES["assert_rating"]
    value, problem = rule.read('rating_f02 = {"adherence": (int("4"), [3])}', "rating_f02")
    assert value is None and "read without running" in problem


def test_drill_rubric_is_shown_after_the_reply_only_from_the_gradebook_copy():
    source = _cells(SOURCE)
    assert SHOWN_AFTER_GRADING in source["D03_answer"].source
    release = nbformat.read(RELEASE / assignment7.NOTEBOOK, as_version=4)
    assert SHOWN_AFTER_GRADING not in json.dumps(release)

    class FromSource(ShowDrillRubrics):  # the gradebook's copy of each cell is the source's
        def _source_cell(self, resources, grade_id):
            return source[grade_id].source if grade_id in source else None

    nb, _ = FromSource().preprocess(release, {})
    ids = [c.get("id") for c in nb.cells]
    assert ids[ids.index("D03_answer") + 1] == "D03_answer-rubric"
    shown = nb.cells[ids.index("D03_answer") + 1].source
    assert "Two model replies" in shown and "HIDDEN TESTS" not in shown and SHOWN_AFTER_GRADING not in shown
    assert sum(1 for i in ids if i.endswith("-rubric")) == len(assignment7.DRILL_IDS)


def test_self_check_reads_the_saved_markdown_reply(tmp_path):
    from ipt_lib.course.drill_feedback import load_drill_key

    (tmp_path / assignment7.DRILLS_FILE).write_text((RELEASE / assignment7.DRILLS_FILE).read_text("utf-8"), "utf-8")
    nb = nbformat.read(RELEASE / assignment7.NOTEBOOK, as_version=4)
    path = tmp_path / assignment7.NOTEBOOK
    nbformat.write(nb, path)
    empty = check_saved_reply("D03", path, tmp_path / assignment7.DRILLS_FILE)
    assert not empty.ok and "save the notebook" in str(empty)
    cell = next(c for c in nb.cells if c.get("id") == "D03_answer")
    cell.source = load_drill_key(ROOT / "data" / "drills" / "d03.toml").models[0].reply
    nbformat.write(nb, path)
    assert check_saved_reply("D03", path, tmp_path / assignment7.DRILLS_FILE).ok


def test_item_analysis_says_per_dimension_how_far_the_class_sits_from_the_key(tmp_path):
    key = assignment7.answer_key(ROOT)
    for profile in fidelity_class():
        nb = nbformat.read(RELEASE / assignment7.NOTEBOOK, as_version=4)
        profile.edit(nb, key)
        folder = tmp_path / "submitted" / profile.student / assignment7.ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / assignment7.NOTEBOOK)
    rated = {f"{n}_test": ("fidelity", n, n.split("_")[1].upper(), k) for n, k in key.items()}
    rows = rating_distances(tmp_path, assignment7.ASSIGNMENT, [p.student for p in fidelity_class()], rated)
    competence = next(r for r in rows if r.excerpt == "F02" and r.dimension == "competence")
    assert competence.n == 4 and competence.unread == 1  # the blank notebook has no score
    assert competence.missed_lapse == 2  # the lenient rater and the one who missed the risk cue
    assert len(rows) == 5 * len(assignment7.GRADED_IDS)


def test_fidelity_modules_stay_readable_in_one_sitting():
    for name in ("fidelity.py", "fidelity_format.py", "fidelity_cards.py", "grading/ratings.py",
                 "course/assignment7.py"):
        assert len((ROOT / "ipt_lib" / name).read_text("utf-8").splitlines()) <= 500, name


# --- term.toml: which excerpts and drills this term uses ---------------------------------------------------------

@pytest.fixture
def course_root(tmp_path):
    """A copy of the checkout's data/ and lessons, where term.toml and the corpora can be rewritten."""
    import shutil

    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    return tmp_path


def _term_file(root: Path, text: str) -> Path:
    path = root / "data" / "assignments" / assignment7.ASSIGNMENT / assignment7.TERM
    path.write_text(text, encoding="utf-8")
    return path


def test_the_checkout_s_term_file_gives_this_term_s_choice():
    term = assignment7.read_term(ROOT)
    assert (term.practice, term.graded, term.drills) == ("F01", ("F02", "F03", "F05"), ("D01", "D02", "D03", "D05"))
    assert (assignment7.PRACTICE_ID, assignment7.GRADED_IDS, assignment7.DRILL_IDS) == (
        term.practice, term.graded, term.drills)


def test_the_built_source_is_byte_identical_for_the_current_choice(tmp_path):
    """build() from term.toml writes what is committed in source/ (and so release/ is unchanged)."""
    import shutil

    for name in ("data", "notebooks"):
        shutil.copytree(ROOT / name, tmp_path / name)
    written = assignment7.build(tmp_path)
    assert written and all(p.read_bytes() == (SOURCE / p.name).read_bytes() for p in written)


def test_a_new_excerpt_and_drill_added_as_data_files_are_used_by_naming_them(course_root):
    """An instructor copies F04 to F08 and D06 to D11, names them in term.toml, and the builder uses them."""
    fidelity, drills = course_root / "data" / "fidelity", course_root / "data" / "drills"
    (fidelity / "f08.toml").write_text((fidelity / "f04.toml").read_text(encoding="utf-8")
                                       .replace('id = "F04"', 'id = "F08"'), encoding="utf-8")
    (drills / "d11.toml").write_text((drills / "d06.toml").read_text(encoding="utf-8")
                                     .replace('id = "D06"', 'id = "D11"'), encoding="utf-8")
    _term_file(course_root, 'practice = "F01"\ngraded = ["F08", "F03"]\ndrills = ["D11", "D03"]\n')
    written = assignment7.build(course_root)
    cells = _cells(written[0].parent)
    assert "rating_f08_test" in cells and "rating_f02_test" not in cells
    assert "D11_answer" in cells and "D01_answer" not in cells
    assert cells["D11_answer"].metadata["nbgrader"]["points"] == assignment7.DRILL_POINTS
    data = json.loads(written[1].read_text(encoding="utf-8"))
    assert [e["id"] for e in data["excerpts"]] == ["F01", "F08", "F03"]
    assert sorted(d["id"] for d in json.loads(written[2].read_text(encoding="utf-8"))["drills"]) == ["D03", "D11"]


@pytest.mark.parametrize("text, expected", [
    ('practice = "F02"\ngraded = ["F03"]\ndrills = ["D03"]\n', "F02 is a graded excerpt"),
    ('practice = "F01"\ngraded = ["F01", "F03"]\ndrills = ["D03"]\n', "F01 is a practice excerpt"),
    ('practice = "F01"\ngraded = ["F03", "F09"]\ndrills = ["D03"]\n', "graded names F09, which data/fidelity does not"),
    ('practice = "F01"\ngraded = ["F03"]\ndrills = ["D03", "D42"]\n', "drills names D42, which data/drills does not"),
    ('practice = "F01"\ngraded = ["F03", "F03"]\ndrills = ["D03"]\n', "F03 appears more than once in graded"),
    ('practice = "F01"\ngraded = ["F03"]\ndrills = ["D01", "D02"]\n', "no risk drill is chosen"),
    ('practice = "F01"\ngraded = ["F03"]\ndrills = []\n', "'drills' must be a list of ids"),
    ('practice = "F01"\ngraded = "F03"\ndrills = ["D03"]\n', "'graded' must be a list of ids"),
    ('practise = "F01"\ngraded = ["F03"]\ndrills = ["D03"]\n', "unknown field 'practise'"),
    ('practice = \n', "term.toml"),
])
def test_a_bad_choice_is_refused_naming_the_file_and_the_rule(course_root, text, expected):
    path = _term_file(course_root, text)
    with pytest.raises(assignment7.TermError) as caught:
        assignment7.read_term(course_root)
    assert str(path) in str(caught.value) and expected in str(caught.value), str(caught.value)


def test_the_risk_drill_may_be_left_out_only_with_a_reason(course_root):
    _term_file(course_root, 'practice = "F01"\ngraded = ["F03"]\ndrills = ["D01", "D02"]\n'
                            'without_risk_drill = "Practised live in the week 6 seminar."\n')
    assert assignment7.read_term(course_root).drills == ("D01", "D02")


def test_a_missing_term_file_is_named(course_root):
    (course_root / "data" / "assignments" / assignment7.ASSIGNMENT / assignment7.TERM).unlink()
    with pytest.raises(assignment7.TermError, match="term.toml: no such file"):
        assignment7.read_term(course_root)


def test_ipt_course_build_stops_on_a_bad_term_with_the_message_and_releases_nothing(course_root, monkeypatch,
                                                                                     capsys):
    from ipt_lib.course import cells, cli

    _term_file(course_root, 'practice = "F01"\ngraded = ["F03", "F09"]\ndrills = ["D03"]\n')
    (course_root / "ipt_lib" / "_data").mkdir(parents=True)  # where Assignment 1's build writes the practice deck
    monkeypatch.setattr(cells, "repo_root", lambda: course_root)
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("build stopped, nothing released:") and "graded names F09" in err
    assert "Traceback" not in err
    assert not (course_root / "release").exists() and not (course_root / "source" / assignment7.ASSIGNMENT).exists()
