"""The final exam: variants drawn per student are deterministic, differ between students, and read forgivingly."""

from pathlib import Path

import pytest

from ipt_lib.course import assignment6
from ipt_lib.course.samples import exam_answers
from ipt_lib.exam import ExamError, load_exam, pick, read_answer
from ipt_lib.grading import exam_verdict

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = [f"student{i:03d}" for i in range(60)] + ["ada", "ben", "chen", "dara", "eli", "femi", "zoe"]


@pytest.fixture(scope="module")
def key():
    return assignment6.answer_key(ROOT)


def test_variants_are_deterministic_and_ignore_pool_order_and_case():
    pool = ["V04", "V08", "V28", "V35"]
    assert pick("Ada", "q1", pool) == pick("ada", "q1", list(reversed(pool))) == pick(" ada ", "q1", pool)
    assert {pick("ada", "q1", pool) for _ in range(5)} == {pick("ada", "q1", pool)}


def test_neighbours_get_different_exams_and_every_item_is_used(key):
    variants = {s: tuple(pick(s, slot, answers) for slot, answers in key["keys"].items()) for s in STUDENTS}
    assert len(set(variants.values())) == len(STUDENTS)          # no two of these 67 students share an exam
    for index, (slot, answers) in enumerate(key["keys"].items()):
        used = {variant[index] for variant in variants.values()}
        assert len(used) >= min(len(answers), 3), slot          # the draw spreads over the pool


def test_the_public_bank_and_the_keys_have_the_same_pools(key):
    bank = load_exam(ROOT / "release" / assignment6.ASSIGNMENT / assignment6.BANK, student="ada").bank
    assert {slot: sorted(spec["items"]) for slot, spec in bank["slots"].items()} == \
        {slot: sorted(answers) for slot, answers in key["keys"].items()}
    text = (ROOT / "release" / assignment6.ASSIGNMENT / assignment6.BANK).read_text(encoding="utf-8")
    for field in ("primary_area", "dispute_stage", "rationale", "cues", "technique"):
        assert f'"{field}": ' not in text


def test_no_vignette_appears_twice_in_one_exam(key):
    for student in STUDENTS:
        drawn = [pick(student, slot, answers) for slot, answers in key["keys"].items()]
        formulation = pick(student, "formulation", key["bank"]["formulation"]["items"])
        vignette_items = [d for d in drawn if d.startswith("V")] + [formulation]
        assert len(vignette_items) == len(set(vignette_items))


@pytest.mark.parametrize("student", ["ada", "student007", "zoe"])
def test_each_variants_own_answers_score_full_marks_and_a_neighbours_do_not(key, student):
    kinds = {slot: spec["kind"] for slot, spec in key["bank"]["slots"].items()}
    mine = exam_answers(key, student)
    assert all(exam_verdict(student, slot, mine[slot], key["keys"][slot], kinds[slot])[0] for slot in mine)
    other = exam_answers(key, "student042")
    wrong = [slot for slot in mine if not exam_verdict(student, slot, other[slot], key["keys"][slot], kinds[slot])[0]]
    assert wrong  # someone else's answers do not fit this exam


@pytest.mark.parametrize("value, kind, expected", [
    ("Grief and loss", "area", "grief"), ("IMPASSE!", "stage", "impasse"), ("roleplay", "technique", "role play"),
    ("Moderately-Severe", "band", "moderately severe"), ("minimal", "band", "none-minimal"), ("None", "band", "none-minimal"),
    (True, "yesno", True), (" No ", "yesno", False), (16, "number", 16.0), (16.0, "number", 16.0),
    ("B", "choice", "B"), (" c ", "choice", "C"), ("(d)", "choice", "D"), ("A)", "choice", "A"),
    ("option b", "choice", "B"), ("C: the supervised cases", "choice", "C"),
])
def test_answers_are_read_forgivingly(value, kind, expected):
    assert read_answer(value, kind) == expected


@pytest.mark.parametrize("value, kind", [(..., "area"), ("maybe", "yesno"), ("16", "number"), (True, "number"),
                                         ("very bad", "band"), (12, "band"), ("B or C", "choice"),
                                         ("E", "choice"), ("a third case", "choice"), (2, "choice"), ("", "choice")])
def test_unreadable_answers_say_why(value, kind):
    with pytest.raises(ExamError):
        read_answer(value, kind)


def test_feedback_names_the_item_not_the_answer(key):
    slot, answers = "q1", key["keys"]["q1"]
    item = pick("ada", slot, answers)
    wrong = next(a for a in ("grief", "role dispute", "role transition") if a != answers[item])
    right, message = exam_verdict("ada", slot, wrong, answers, "area")
    assert not right and item in message and answers[item] not in message


def test_missing_bank_is_a_clear_message(tmp_path):
    with pytest.raises(ExamError, match="must stay beside"):
        load_exam(tmp_path / "exam_bank.json")


def test_question_9_is_applied_a_log_against_requirements_read_from_the_training_data(key):
    from ipt_lib.pathway import load_bodies

    bodies = {b.id: b for b in load_bodies(ROOT / "data" / "training")}
    spec = key["bank"]["slots"]["q9"]
    assert spec["kind"] == "choice" and len(spec["items"]) == len(assignment6.pathway_items(ROOT))
    for item_id, body, level, options, missing, amounts, log in assignment6.pathway_items(ROOT):
        item = spec["items"][item_id]
        assert len(item["options"]) == 4 and key["keys"]["q9"][item_id] == "ABCD"[options.index(missing)]
        for text, requirement in zip(item["options"], options):  # the wording comes from data/training
            assert text.rstrip(".") in bodies[body].level(level).requirement(requirement).description
        assert "at least how many" not in item["question"].lower()  # not a recall question


def test_a_pathway_item_whose_answer_the_data_contradicts_stops_the_build():
    from ipt_lib.pathway import load_bodies

    isipt = {b.id: b for b in load_bodies(ROOT / "data" / "training")}["isipt"].level("therapist")
    reqs = [isipt.requirement(r) for r in ("clinical-training", "introductory-training", "supervised-cases", "letter")]
    assignment6._check_pathway_item("ok", reqs, "supervised-cases", {"clinical-training": 150, "supervised-cases": 2})
    with pytest.raises(ValueError, match="rewrite the item"):  # 3 cases meet the rule, so it is not what is missing
        assignment6._check_pathway_item("bad", reqs, "supervised-cases", {"supervised-cases": 3})
    with pytest.raises(ValueError, match="rewrite the item"):  # 100 hours do not meet the 150-hour rule
        assignment6._check_pathway_item("bad", reqs, "supervised-cases", {"clinical-training": 100,
                                                                          "supervised-cases": 2})
