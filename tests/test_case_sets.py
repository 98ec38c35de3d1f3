"""Assignment 1's case sets: drawn by rule from the corpus for a term, or chosen by hand, and held to the same rules."""

from __future__ import annotations

import dataclasses

import pytest

from ipt_lib.course.case_sets import CaseSetError, CaseSetRules, CaseSets, check_sets, draw_sets
from ipt_lib.vignettes import load_vignettes


@pytest.fixture(scope="module")
def corpus():
    return load_vignettes()


def by_id(corpus):
    return {v.id: v for v in corpus}


GOOD = CaseSets(("V11", "V41", "V02", "V12"), ("V07", "V43", "V30", "V16", "V09", "V10", "V01", "V25"))


def test_a_set_that_meets_every_rule_passes(corpus):
    assert check_sets(GOOD, corpus) == []


@pytest.mark.parametrize("seed", ["2026-autumn", "2027-spring", "2027-autumn", "resit"])
def test_a_draw_meets_every_rule_and_avoids_what_is_reserved(corpus, seed):
    reserved = {"V07": "the final exam", "V25": "a lesson"}
    sets = draw_sets(corpus, seed, reserved=reserved)
    assert check_sets(sets, corpus, reserved=reserved) == []
    assert not set(sets.graded) & set(reserved)
    assert sets.seed == seed and len(sets.practice) == 4 and len(sets.graded) == 8


def test_the_draw_is_deterministic_and_the_seed_matters(corpus):
    assert draw_sets(corpus, "2027-spring") == draw_sets(list(reversed(corpus)), "2027-spring")
    draws = {draw_sets(corpus, f"term-{i}").graded for i in range(8)}
    assert len(draws) > 4, "different terms should mostly get different graded sets"


def _problems(corpus, **change):
    return check_sets(dataclasses.replace(GOOD, **change), corpus, reserved={"V44": "the final exam"})


@pytest.mark.parametrize("change, expected", [
    ({"practice": ("V11", "V41", "V02", "V60")}, "V60 is a graded vignette"),
    ({"graded": ("V56", "V43", "V30", "V16", "V09", "V10", "V01", "V25")}, "V56 is a practice vignette"),
    ({"graded": ("V44", "V43", "V30", "V16", "V09", "V10", "V01", "V25")}, "V44 is already used by the final exam"),
    ({"graded": ("V07", "V43", "V30", "V16", "V09", "V10", "V01", "V99")}, "names V99, which data/vignettes does not"),
    ({"graded": ("V07", "V43", "V30", "V16", "V09", "V10", "V01", "V07")}, "V07 appears 2 times"),
    ({"practice": ("V11", "V41", "V02", "V07")}, "V07 is in both"),
    ({"graded": ("V07", "V25", "V43", "V30", "V16", "V09", "V10", "V01")}, "neighbours with the same area"),
])
def test_each_broken_rule_is_named(corpus, change, expected):
    problems = _problems(corpus, **change)
    assert any(expected in p for p in problems), problems


def test_area_counts_hardness_and_populations_are_checked(corpus):
    vs = by_id(corpus)
    assert vs["V60"].primary_area.label == "grief" and vs["V10"].primary_area.label == "role transition"
    three_grief = dataclasses.replace(GOOD, graded=("V07", "V43", "V30", "V16", "V09", "V60", "V01", "V25"))
    problems = check_sets(three_grief, corpus)
    assert any("3 grief case(s), not 2" in p for p in problems), problems
    assert any("1 role transition case(s), not 2" in p for p in problems), problems
    assert any("at least 9" in p for p in check_sets(GOOD, corpus, rules=CaseSetRules(min_hard=9)))
    assert any("at most 1" in p for p in check_sets(GOOD, corpus, rules=CaseSetRules(max_population=1)))


def test_a_corpus_too_small_for_the_rules_says_what_is_short(corpus):
    few = [v for v in corpus if not (v.kind == "graded" and v.primary_area.label == "role dispute")]
    with pytest.raises(CaseSetError, match=r"too few unused graded vignettes for a draw: role dispute \(0\)"):
        draw_sets(few, "2027-spring")
    with pytest.raises(CaseSetError, match="no draw from seed"):
        draw_sets(corpus, "2027-spring", rules=CaseSetRules(min_hard=9))
    with pytest.raises(CaseSetError, match="seed is empty"):
        draw_sets(corpus, "  ")


# --- sets.toml, as the builder reads it --------------------------------------------------------------------------

@pytest.fixture
def course_root(tmp_path):
    """A copy of the checkout's data/ and lessons, where sets.toml can be rewritten."""
    import shutil
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "data", tmp_path / "data")
    shutil.copytree(repo / "notebooks", tmp_path / "notebooks")
    return tmp_path


def _sets_file(root, text):
    from ipt_lib.course import assignment1

    path = root / "data" / "assignments" / assignment1.ASSIGNMENT / assignment1.SETS
    path.write_text(text, encoding="utf-8")
    return path


def test_the_builder_draws_from_the_seed_and_keeps_out_what_others_show(course_root):
    from ipt_lib.course import assignment1

    _sets_file(course_root, 'seed = "2031-autumn"\n')
    sets = assignment1.case_sets(course_root)
    reserved = assignment1.reserved_vignettes(course_root)
    assert sets.seed == "2031-autumn" and not set(sets.graded) & set(reserved)
    assert reserved["V38"] == "a2_inventory" and any(where.startswith("the lesson") for where in reserved.values())


def test_a_hand_set_that_breaks_a_rule_stops_the_build_naming_the_file_and_the_rule(course_root):
    from ipt_lib.course import assignment1

    path = _sets_file(course_root, 'practice = ["V11", "V41", "V02", "V12"]\n'
                                   'graded = ["V07", "V43", "V30", "V16", "V09", "V10", "V01", "V38"]\n')
    with pytest.raises(CaseSetError) as caught:
        assignment1.case_sets(course_root)
    assert str(path) in str(caught.value) and "V38 is already used by a2_inventory" in str(caught.value)


@pytest.mark.parametrize("text, expected", [
    ('seed = "x"\ngraded = ["V07"]\n', "either a seed or the practice and graded ids, not both"),
    ('seed = \n', "sets.toml"),
    ('seed = "   "\n', "seed is empty"),
])
def test_a_malformed_sets_file_gets_a_clear_message(course_root, text, expected):
    from ipt_lib.course import assignment1

    _sets_file(course_root, text)
    with pytest.raises(CaseSetError, match=expected):
        assignment1.case_sets(course_root)


def test_ipt_course_build_stops_with_the_message_not_a_traceback(course_root, monkeypatch, capsys):
    from ipt_lib.course import cells, cli

    _sets_file(course_root, 'graded = ["V07"]\npractice = []\n')
    monkeypatch.setattr(cells, "repo_root", lambda: course_root)
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("build stopped, nothing released:") and "the graded set has" in err
    assert "Traceback" not in err
    assert not (course_root / "release").exists()
