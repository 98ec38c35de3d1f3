from collections import Counter
from pathlib import Path

import pytest

from ipt_lib.problem_areas import DisputeStage, ProblemArea
from ipt_lib import vignettes as vignettes_module
from ipt_lib.vignettes import (CORE_CONDITIONS, POPULATIONS, VignetteError, balance_problems, coverage_table,
                               load_vignette, load_vignettes, vignettes_frame)

GOOD = Path(__file__).parent / "fixtures" / "v99.toml"


def test_corpus_has_at_least_12_vignettes_per_area(corpus):
    counts = Counter(v.primary_area for v in corpus)
    print("\n" + coverage_table(corpus))
    assert len(corpus) >= 48
    assert all(counts[area] >= 12 for area in ProblemArea), counts


def test_corpus_is_balanced_across_populations_conditions_settings_and_kinds(corpus):
    for area in ProblemArea:
        mine = [v for v in corpus if v.primary_area is area]
        populations = Counter(v.population for v in mine)
        assert all(populations[p] >= 2 for p in POPULATIONS), (area, populations)
        conditions = Counter(v.condition for v in mine)
        assert all(conditions[c] >= 1 for c in CORE_CONDITIONS), (area, conditions)
        assert conditions["depression"] >= len(mine) // 2
        assert {v.setting for v in mine} >= {"individual", "group"}
        kinds = Counter(v.kind for v in mine)
        assert kinds["practice"] >= 3 and kinds["graded"] >= 3, (area, kinds)
        assert sum(v.difficulty == "hard" for v in mine) >= 3, area


def test_every_dispute_stage_is_taught(corpus):
    stages = Counter(v.dispute_stage for v in corpus if v.primary_area is ProblemArea.ROLE_DISPUTE)
    assert all(stages[s] >= 3 for s in DisputeStage), stages


def test_hard_cases_cover_the_classic_traps(corpus):
    hard = " ".join(v.hard_point.lower() for v in corpus if v.difficulty == "hard")
    non_death_loss = [v for v in corpus if v.primary_area is ProblemArea.ROLE_TRANSITION and v.difficulty == "hard"]
    assert non_death_loss
    assert "deficit" in hard            # withdrawal after an event that looks like deficits
    assert any(v.primary_area is ProblemArea.ROLE_DISPUTE and v.secondary_area is ProblemArea.ROLE_TRANSITION
               for v in corpus)         # a dispute inside a transition


def test_corpus_is_diverse_in_gender_and_background(corpus):
    genders = Counter(v.gender.lower() for v in corpus)
    assert len(genders) >= 3, genders
    assert len({v.background for v in corpus}) == len(corpus)
    assert len({v.title.split(",")[0] for v in corpus}) >= 44   # names are not reused


def test_frame_has_one_row_per_vignette(corpus):
    frame = vignettes_frame(corpus)
    assert list(frame.index) == [v.id for v in corpus]
    assert {"primary_area", "population", "condition", "setting", "text", "cues"} <= set(frame.columns)
    assert frame["words"].between(120, 300).all()


def test_loader_accepts_the_fixture():
    vignette = load_vignette(GOOD)
    assert vignette.id == "V99" and vignette.primary_area is ProblemArea.ROLE_DISPUTE
    assert vignette.dispute_stage is DisputeStage.IMPASSE


def _broken(tmp_path, old, new, name="v99.toml"):
    text = GOOD.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, field", [
    ('kind = "practice"', 'kind = "homework"', "kind"),
    ('population = "adult"', 'population = "toddler"', "population"),
    ('age_band = "35-44"', 'age_band = "12-14"', "age_band"),
    ('primary_area = "role dispute"', 'primary_area = "grieve"', "primary_area"),
    ('dispute_stage = "impasse"', 'dispute_stage = ""', "dispute_stage"),
    ('condition = "depression"', 'condition = "flu"', "condition"),
    ('setting = "individual"', 'setting = "online"', "setting"),
    ('phq9_intake = 16', 'phq9_intake = 31', "phq9_intake"),
    ('phq9_intake = 16', 'phq9_intake = 17', "phq9_intake"),
    ('"stopped asking about the summer"', '"a phrase that is not in the text"', "cues"),
    ('timing = "before onset"', 'timing = "sometime"', "event.timing"),
    ('months_before_onset = 3', 'months_before_onset = "three"', "event.months_before_onset"),
    ('title = ', 'nickname = "x"\ntitle = ', "nickname"),
    ('id = "V99"', 'id = "V98"', "id"),
    ('difficulty = "standard"', 'difficulty = "hard"', "hard_point"),
    ('setting = "individual"', 'setting = "individual"\ncomorbidities = ["flu"]', "comorbidities"),
    ('setting = "individual"', 'setting = "individual"\ncomorbidities = "substance use"', "comorbidities"),
    ('setting = "individual"', 'setting = "individual"\ncomorbidities = ["depression"]', "comorbidities"),
])
def test_malformed_file_names_the_file_and_the_field(tmp_path, old, new, field):
    path = _broken(tmp_path, old, new)
    with pytest.raises(VignetteError) as info:
        load_vignette(path)
    assert info.value.field == field
    assert "v99.toml" in str(info.value) and f"'{field}'" in str(info.value)


def test_rationale_without_a_citation_is_rejected(tmp_path):
    path = _broken(tmp_path, "with talks stalled (Weissman et al., 2018; ISIPT, n.d.-b; ISIPT, n.d.-c)",
                   "with talks stalled")
    with pytest.raises(VignetteError, match="field 'rationale': must cite the course bibliography"):
        load_vignette(path)


def test_rationale_citing_a_work_not_in_the_bibliography_is_rejected(tmp_path):
    path = _broken(tmp_path, "(Weissman et al., 2018; ISIPT, n.d.-b; ISIPT, n.d.-c)",
                   "(Weissman et al., 2018; Weissman & Jones, 2031)")
    with pytest.raises(VignetteError, match="v99.toml: field 'rationale': cites work.* not in the course "
                                            r"bibliography \(data/references.toml\): Weissman & Jones, 2031"):
        load_vignette(path)


def test_missing_field_is_reported(tmp_path):
    path = _broken(tmp_path, 'gender = "woman"\n', "")
    with pytest.raises(VignetteError, match="v99.toml: field 'gender': missing"):
        load_vignette(path)


def test_giveaway_word_in_text_is_rejected(tmp_path):
    path = _broken(tmp_path, "Their talks have", "Their dispute talks have")
    with pytest.raises(VignetteError, match="giveaway word 'dispute'"):
        load_vignette(path)


def test_too_short_text_is_rejected(tmp_path):
    path = tmp_path / "v99.toml"
    text = GOOD.read_text(encoding="utf-8")
    start = text.index('text = """')
    path.write_text(text[:start] + 'text = """Too short."""\n', encoding="utf-8")
    with pytest.raises(VignetteError, match="field 'text': has 2 words"):
        load_vignette(path)


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "v99.toml"
    path.write_text('id = "V99\n', encoding="utf-8")
    with pytest.raises(VignetteError, match="v99.toml: field '\\(file\\)': not valid TOML"):
        load_vignette(path)


def test_duplicate_ids_are_reported(tmp_path):
    (tmp_path / "v99.toml").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    _broken(tmp_path, 'id = "V99"', 'id = "V099"', name="v099.toml")
    (tmp_path / "v099.toml").write_text((tmp_path / "v099.toml").read_text().replace('"V099"', '"V99"'))
    with pytest.raises(VignetteError, match="id"):
        load_vignettes(tmp_path)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(VignetteError, match="no such folder"):
        load_vignettes(tmp_path / "nowhere")


def test_graded_vignette_refuses_to_give_its_practice_record(corpus):
    graded = next(v for v in corpus if v.is_graded)
    with pytest.raises(ValueError, match="instructor-only"):
        graded.practice()
    assert "primary_area" not in graded.public() and "cues" not in graded.public()


def test_new_settings_conditions_and_comorbidities_load(tmp_path):
    path = _broken(tmp_path, 'setting = "individual"', 'setting = "couple"\ncomorbidities = ["substance use"]')
    vignette = load_vignette(path)
    assert vignette.setting == "couple" and vignette.comorbidities == ("substance use",)
    assert vignettes_frame([vignette]).loc["V99", "comorbidities"] == ["substance use"]
    assert "comorbidities" not in vignette.public()          # what a graded card shows is unchanged


def _copies(base, n, **changes):
    """n copies of a vignette, each with its own id and first name, with fields replaced."""
    import dataclasses
    return [dataclasses.replace(base, id=f"V{i:02d}", title=f"Client{i}, 40, keeps bees", **changes)
            for i in range(n)]


def test_balance_rules_name_what_the_corpus_lacks(tmp_path):
    base = load_vignette(GOOD)
    problems = balance_problems(_copies(base, 10, primary_area=ProblemArea.INTERPERSONAL_DEFICITS,
                                        dispute_stage=None))
    text = "\n".join(problems)
    assert "interpersonal deficits is the primary area of 10 of 10 cases (100%); at most 20%" in text
    assert "age band 85+ has 0 case(s); at least 2" in text
    assert "no adolescent case with PTSD" in text and "no older adult case with eating disorder" in text
    assert "0 case(s) with bipolar disorder" in text and "living with substance use" in text
    assert "0 case(s) in the couple setting" in text
    assert balance_problems([]) == ["the corpus is empty"]


def test_balance_rules_catch_shared_names_stock_details_and_unasked_culture(tmp_path):
    import dataclasses
    base = load_vignette(GOOD)
    a = dataclasses.replace(base, id="V01", title="Ama, 15, sings", text=base.text + " The school nurse called.")
    b = dataclasses.replace(base, id="V02", title="Ama, 16, runs", text=base.text + " The school  nurse came.")
    quiet = dataclasses.replace(base, id="V03", title="Kwame, 15, reads", population="adolescent",
                                age_band="15-17", primary_area=ProblemArea.INTERPERSONAL_DEFICITS,
                                dispute_stage=None, rationale="Long-standing and thin (Weissman et al., 2018).")
    text = "\n".join(balance_problems([a, b, quiet]))
    assert "V02 and V01 share the first name Ama" in text
    assert "the stock detail 'school nurse' appears in V01, V02" in text
    assert "V03: an adolescent labelled interpersonal deficits; the rationale must ask whether" in text
    asked = dataclasses.replace(quiet, rationale="Is the quietness cultural? (Lewis-Fernández et al., 2014)")
    assert "V03" not in "\n".join(balance_problems([asked]))


def test_check_data_fails_on_an_unbalanced_folder_and_prints_the_table(tmp_path, capsys):
    (tmp_path / "v99.toml").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    assert vignettes_module._main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "1 valid vignette(s), 0 with errors" in out and "BALANCE age band 12-14 has 0 case(s)" in out
    assert "age bands: 12-14 0" in out and "share of cases:" in out


def test_the_course_corpus_meets_every_balance_rule(corpus):
    print("\n" + coverage_table(corpus))
    assert balance_problems(corpus) == []
