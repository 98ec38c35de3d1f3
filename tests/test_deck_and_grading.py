import json

import pytest

import ipt_lib
from ipt_lib.deck import DeckError, load_deck, practice_deck, show_area
from ipt_lib.grading import MissingAnswer, WrongAnswer, assert_area, check_answer_format
from ipt_lib.problem_areas import ProblemArea, ProblemAreaError


@pytest.fixture()
def deck():
    return practice_deck()


def test_practice_deck_holds_only_practice_cases(deck, corpus):
    graded_ids = {v.id for v in corpus if v.is_graded}
    ids = {deck[c]["id"] for c in deck.case_ids}
    assert ids and not ids & graded_ids
    assert all(deck[c]["kind"] == "practice" for c in deck.case_ids)


def test_card_renders_readable_html_with_escaping(deck):
    case = deck.case_ids[0]
    html = deck.card(case)._repr_html_()
    assert "class='ipt-card'" in html and deck[case]["title"].split(",")[0] in html
    assert "<script" not in html
    assert deck[case]["title"] in str(deck.card(case))


def test_card_can_highlight_cues_for_practice(deck):
    case = deck.case_ids[0]
    html = deck.card(case, show_cues=True)._repr_html_()
    assert html.count("<mark>") >= 2


def test_practice_feedback_right_answer_explains_why(deck):
    case = deck.case_ids[0]
    feedback = deck.check(case, deck[case]["primary_area"].upper() + "!")
    assert feedback.correct is True
    assert deck[case]["rationale"].strip()[:30] in feedback.message


def test_practice_feedback_wrong_answer_gives_a_specific_hint_without_the_answer(deck):
    case = next(c for c in deck.case_ids if deck[c]["primary_area"] != "interpersonal deficits")
    feedback = deck.check(case, "interpersonal deficits")
    assert feedback.correct is False
    assert "residual" in feedback.message
    assert f"answer is {deck[case]['primary_area']}" not in feedback.message


def test_practice_feedback_on_a_typo_is_a_message_not_an_error(deck):
    feedback = deck.check(deck.case_ids[0], "grieve")
    assert feedback.correct is None and "Did you mean 'grief'" in feedback.message
    assert deck.check(deck.case_ids[0], "").correct is None


def test_unknown_case_lists_the_cases(deck):
    with pytest.raises(DeckError, match="The cases are: P1"):
        deck.card("Z9")


def test_graded_case_gets_no_feedback_before_grading(root):
    deck = load_deck(root / "source" / "a1_problem_areas" / "cases.json")
    graded = next(c for c in deck.case_ids if deck[c]["kind"] == "graded")
    with pytest.raises(DeckError, match="graded"):
        deck.check(graded, "grief")
    with pytest.raises(DeckError, match="graded"):
        deck.reveal(graded)
    with pytest.raises(DeckError):
        deck.card(graded, show_cues=True)


def test_missing_or_damaged_deck_file_says_what_to_do(tmp_path):
    with pytest.raises(DeckError, match="fetch the assignment again"):
        load_deck(tmp_path / "cases.json")
    (tmp_path / "cases.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DeckError, match="damaged"):
        load_deck(tmp_path / "cases.json")


def test_area_cards_show_definitions_and_stages():
    html = show_area("role disputes")._repr_html_()
    assert "impasse" in html and "(Weissman et al., 2018)" in html and "ref §" not in html


def test_format_check_reads_the_answer_and_says_it_checks_format_only(capsys):
    case_1 = "Role Disputes"  # noqa: F841  (read by name from this frame)
    check_answer_format("case_1")
    out = capsys.readouterr().out
    assert "'role dispute'" in out and "Format check only" in out


def test_format_check_of_a_missing_answer_is_friendly():
    with pytest.raises(MissingAnswer, match="Run the answer cell"):
        check_answer_format("case_404")


def test_format_check_of_a_typo_raises_the_parser_error():
    case_2 = "grieve"  # noqa: F841
    with pytest.raises(ProblemAreaError, match="Did you mean"):
        check_answer_format("case_2")


def test_wrong_answer_message_never_names_the_expected_area():
    # case names that no assignment uses, so that no line here repeats a real key (the leak check reads the sdist)
    case_93 = "grief"  # noqa: F841
    with pytest.raises(WrongAnswer) as info:
        assert_area("case_93", "role transition")
    assert "role transition" not in str(info.value)
    assert isinstance(info.value, AssertionError)


def test_right_answer_in_any_valid_format_passes(capsys):
    case_94 = "  Interpersonal_Sensitivity. "  # noqa: F841
    assert_area("case_94", "interpersonal deficits")
    assert "correct" in capsys.readouterr().out


def test_package_exports_resolve_lazily():
    for name in ipt_lib.__all__:
        assert getattr(ipt_lib, name) is not None
    with pytest.raises(AttributeError):
        ipt_lib.not_a_name


def test_practice_deck_file_is_plain_json(root):
    data = json.loads((root / "ipt_lib" / "_data" / "practice_cases.json").read_text(encoding="utf-8"))
    assert data["cases"] and all(ProblemArea.parse(c["primary_area"]) for c in data["cases"])
