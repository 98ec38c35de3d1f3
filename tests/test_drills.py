"""Deliberate-practice drills (issue 19): the public view, the format self-check, and the feedback after grading."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from ipt_lib.course.drill_feedback import feedback_markdown, load_drill_key, load_drill_keys
from ipt_lib.drills import (DrillDataError, drill_html, load_drill, load_drills, load_public, reply_words, self_check,
                            write_public)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "drills"


@pytest.fixture(scope="module")
def drills():
    return {d.id: d for d in load_drills(DATA)}


@pytest.fixture(scope="module")
def keys():
    return load_drill_keys(DATA)


def problems(reply, drill) -> str:
    check = self_check(reply, drill)
    assert not check.ok
    return " ".join(check.problems)


def test_ten_drills_read_with_the_same_self_check_rules(drills):
    assert sorted(drills) == [f"D{i:02d}" for i in range(1, 11)]
    assert len({d.self_check for d in drills.values()}) == 1


def test_every_model_reply_passes_its_drills_self_check(drills, keys):
    for ident, key in keys.items():
        assert len(key.models) == 2
        for model in key.models:
            check = self_check(model.reply, drills[ident])
            assert check.ok, (ident, check.problems)


def test_the_public_file_holds_no_rubric_and_no_model_reply(drills, keys, tmp_path):
    text = write_public(tmp_path / "drills.json", tuple(drills.values())).read_text("utf-8")
    assert not {"rubric", "models"} & set(json.loads(text)["drills"][0])
    flat = " ".join(text.split())
    for key in keys.values():
        r = key.rubric
        for secret in (r.fits, r.how, *r.must, *r.must_not, *r.then, *(m.reply for m in key.models),
                       *(m.why for m in key.models)):
            assert json.dumps(secret)[1:-1] not in flat and secret not in flat, key.drill.id


def test_the_public_file_reads_back_as_the_same_drills(drills, tmp_path):
    assert load_public(write_public(tmp_path / "drills.json", tuple(drills.values()))) == drills


def test_a_long_reply_names_its_length_and_the_limit(drills):
    reply = "You said it again. " * 21  # 84 words
    assert problems(reply, drills["D01"]) == ("Your reply is 84 words; the limit is 80. Keep the words you would "
                                              "actually say first.")


def test_stage_directions_in_parentheses_are_not_counted_or_checked(drills):
    reply = "(waits a long time, then speaks about the transference quietly and slowly) " * 10 + "Take your time."
    check = self_check(reply, drills["D01"])
    assert check.ok and check.words == 3
    assert reply_words("(a (nested) pause) You can say more.") == 4


def test_a_reply_in_the_third_person_is_named(drills):
    assert "does not speak to the client as 'you'" in problems("He seems sad; I would wait for him.", drills["D01"])
    assert self_check("You're quiet.", drills["D01"]).ok and self_check("Take YOUR time.", drills["D01"]).ok


def test_a_technique_label_is_named_ignoring_case(drills):
    text = problems("I'd like you to try some Communication Analysis with me.", drills["D04"])
    assert "Your reply uses 'Communication Analysis'" in text
    assert "uses 'ipt'" in problems("This is what ipt is for, you see.", drills["D04"])


def test_banned_terms_match_whole_words_only(drills):
    assert self_check("You have a transcript of it, a script?", drills["D04"]).ok  # 'ipt' inside words
    assert self_check("Your clarifications helped you.", drills["D04"]).ok  # not the word 'clarification'
    assert self_check("Inventory, you said?", drills["D04"]).problems == (
        "Your reply uses 'Inventory'. Say it the way you would to the client, without the label.",)


def test_role_play_and_role_play_with_a_hyphen_are_one_slip(drills):
    text = problems("Shall you and I do a role-play?", drills["D04"])
    assert text.count("Your reply uses") == 1


def test_an_empty_or_non_text_reply_says_what_to_write(drills):
    assert "There is no reply yet" in problems("   ", drills["D02"])
    assert "There is no reply yet" in problems(..., drills["D02"])
    assert "text in quotes, not int" in problems(42, drills["D02"])
    assert "no spoken words outside the parentheses" in problems("(silence)", drills["D02"])


def test_the_self_check_says_it_looks_only_at_the_format(drills):
    check = self_check("You will be fine, cheer up.", drills["D03"])  # a poor reply, but well formed
    assert check.ok and "looks only at the format" in str(check)
    assert not re.search(r"\b(good|correct|right|wrong)\b", str(check).split("\n")[0])


def test_a_drill_card_shows_the_content_note_before_the_context(drills):
    page = drill_html(drills["D03"])
    assert page.index("Content note") < page.index("Colm, 49") < page.index("<blockquote")
    assert "rubric" not in page.lower()


def test_feedback_shows_the_rubric_table_both_models_and_why(keys):
    for key in keys.values():
        md = feedback_markdown(key)
        assert "<table" in md and "<th scope=\"col\"" in md
        assert md.count("\n> ") == 2 and md.count("*Why it works") == 2
        assert f"Must ({key.rubric.must_points} points in all)" in md
        assert all(html.escape(item) in md for item in key.rubric.must + key.rubric.must_not)


def test_feedback_lists_the_then_steps_only_where_a_drill_has_them(keys):
    with_then = sorted(i for i, k in keys.items() if k.rubric.then)
    assert "D03" in with_then
    for ident, key in keys.items():
        md = feedback_markdown(key)
        assert ("What must follow" in md) == bool(key.rubric.then)
        if key.rubric.then:
            assert md.count("\n1. ") == 1 and f"\n{len(key.rubric.then)}. " in md


def test_a_model_reply_that_fails_the_self_check_is_refused(tmp_path):
    path = tmp_path / "d04.toml"
    text = (DATA / "d04.toml").read_text("utf-8")
    path.write_text(text.replace('reply = "', 'reply = "Some communication analysis now. ', 1), "utf-8")
    with pytest.raises(DrillDataError, match=r"d04\.toml, models\[0\]\.reply: fails the drill's own self-check"):
        load_drill_key(path)


def test_a_drill_that_touches_suicide_needs_a_content_note(tmp_path):
    path = tmp_path / "d03.toml"
    text = (DATA / "d03.toml").read_text("utf-8")
    path.write_text("\n".join(l for l in text.splitlines() if not l.startswith("content_note"))
                    .replace("what's the point of any of it", "I want to die"), "utf-8")
    with pytest.raises(DrillDataError, match=r"d03\.toml, content_note"):
        load_drill(path)


def test_a_drill_with_a_wrong_id_names_the_file_and_field(tmp_path):
    path = tmp_path / "d05.toml"
    path.write_text((DATA / "d05.toml").read_text("utf-8").replace('id = "D05"', 'id = "D5"'), "utf-8")
    with pytest.raises(DrillDataError, match=r"d05\.toml, id"):
        load_drill(path)


def test_a_missing_shipped_drills_file_says_what_to_do(tmp_path):
    with pytest.raises(DrillDataError, match="fetch the assignment again"):
        load_public(tmp_path / "drills.json")
