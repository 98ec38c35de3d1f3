"""Content notes: a wide pattern finds text about suicide, self-harm, violent death or trauma, and every loader
(vignettes, transcripts, role-plays) refuses such a file without a content_note, naming the file and field."""

from pathlib import Path

import pytest

from ipt_lib.content_notes import sensitive_phrase
from ipt_lib.roleplay import ScenarioError, load_scenario
from ipt_lib.transcripts import TranscriptError, load_transcript
from ipt_lib.vignettes import VignetteError, load_vignette, load_vignettes

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("text, phrase", [
    ("Sometimes I think they'd be better off dead without me. No, better off dead, full stop.", "better off dead"),
    ("My family would be better off without me.", "better off without me"),
    ("There's no point in living like this.", "no point in living"),
    ("Honestly, there's no point going on.", "no point going on"),
    ("Most days there is no point getting up.", "no point getting up"),
    ("She no longer sees the point of living.", "sees the point of living"),
    ("I just want to die.", "want to die"),
    ("I wish I wasn't here.", "wish I wasn't here"),
    ("Some nights I wish I were dead.", "wish I were dead"),
    ("I'd like to go to sleep and not wake up.", "go to sleep and not wake up"),
    ("He has had suicidal thoughts since June.", "suicidal"),
    ("I thought about how I would kill myself.", "kill myself"),
    ("I want to end it all.", "end it all"),
    ("She has been cutting her arms.", "cutting her arms"),
    ("He self-harms when the flat is empty.", "self-harms"),
    ("She took pills last winter.", "took pills"),
    ("An overdose two years ago.", "overdose"),
    ("Her father hanged himself.", "hanged himself"),
    ("He was killed when a lorry hit his motorcycle.", "killed"),
    ("Her cousin was murdered in 2019.", "murdered"),
    ("He was stabbed outside the club.", "stabbed"),
    ("Her son was born stillborn at 38 weeks.", "stillborn"),
    ("She lost the baby at 20 weeks.", "lost the baby"),
    ("A miscarriage in the spring.", "miscarriage"),
    ("His twin died in the neonatal unit.", "neonatal"),
    ("She was raped at nineteen.", "raped"),
    ("He reported sexual assault by a coach.", "sexual assault"),
    ("Years of abuse from her stepfather.", "abuse"),
    ("He served in combat in two tours.", "combat"),
    ("They fled the war in 2022.", "war"),
    ("He was tortured in detention.", "tortured"),
])
def test_wide_pattern_finds_sensitive_phrases(text, phrase):
    assert sensitive_phrase(text).lower() == phrase.lower()


@pytest.mark.parametrize("text", [
    "There is no point talking to his father about the car.",
    "She cut her hours at the bakery and is cutting back on shifts.",
    "He would not take the pills the doctor prescribed for his blood pressure.",
    "She jumped at the chance to join the choir.",
    "The warden of the hostel gave an award to the software team.",
    "He had a flu shot and a hanging basket of geraniums.",
    "She plays the cello, cooks for her sister and feels flat most mornings.",
])
def test_ordinary_text_does_not_need_a_note(text):
    assert sensitive_phrase(text) is None


def test_sensitive_vignette_without_a_note_is_refused_naming_file_and_field(tmp_path):
    good = (FIXTURES / "v99.toml").read_text(encoding="utf-8")
    assert load_vignette(FIXTURES / "v99.toml")   # the fixture itself is fine
    words = good.split('text = """', 1)
    bad = words[0] + 'text = """\nSome mornings she says her children would be better off without her. ' + words[1]
    path = tmp_path / "v99.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(VignetteError, match=r"v99.toml: field 'content_note': 'text' mentions 'better off without "
                                            r"her'") as info:
        load_vignette(path)
    assert info.value.field == "content_note"
    path.write_text(bad.replace("\ntitle = ", '\ncontent_note = "The client has thoughts of being better off '
                                'dead."\ntitle = ', 1), encoding="utf-8")
    assert load_vignette(path).content_note.startswith("The client has thoughts")


def test_a_note_is_optional_for_ordinary_vignettes():
    assert load_vignette(FIXTURES / "v99.toml").content_note == ""


def test_sensitive_transcript_summary_without_a_note_is_refused(tmp_path):
    good = (FIXTURES / "transcripts" / "good" / "t90.toml").read_text(encoding="utf-8")
    path = tmp_path / "t94.toml"
    path.write_text(good.replace('summary = "A fixture', 'summary = "Her brother was killed in a crash. A fixture'),
                    encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"t94.toml, content_note: the summary or title mentions .*'killed'"):
        load_transcript(path)


def test_sensitive_transcript_turn_names_the_phrase(tmp_path):
    good = (FIXTURES / "transcripts" / "good" / "t90.toml").read_text(encoding="utf-8")
    path = tmp_path / "t95.toml"
    path.write_text(good.replace('text = "How has the week been?"', 'text = "Have you thought there is no point '
                                 'in living?"'), encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"content_note: turn \d+ mentions .*'no point in living'"):
        load_transcript(path)


def test_sensitive_scenario_without_a_note_is_refused_naming_the_node(tmp_path):
    good = (FIXTURES / "scenarios" / "good" / "r90.toml").read_text(encoding="utf-8")
    marker = 'client = "'
    at = good.index("[[nodes]]")
    head, tail = good[:at], good[at:]
    tail = tail.replace(marker, marker + "Some days I want to die. ", 1)
    path = tmp_path / "r90.toml"
    path.write_text(head + tail, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"r90.toml, node '\w+': mentions .*'want to die'.*content_note"):
        load_scenario(path)


def test_every_sensitive_course_file_carries_a_note(root):
    # the real corpus loads (the loaders refuse a sensitive file without a note) and flagged cases have one
    flagged = [v for v in load_vignettes(root / "data" / "vignettes")
               if sensitive_phrase(v.title, v.text, v.hard_point, v.rationale, v.event.description)]
    assert len(flagged) >= 8
    assert all(v.content_note for v in flagged)


def test_case_cards_show_the_note_above_the_text():
    from ipt_lib.deck import Card

    case = {"case": "P1", "id": "V49", "title": "Luka, 16", "text": "Story text here.", "content_note": "A note."}
    for shown in (Card(case)._repr_html_(), str(Card(case))):
        assert "Content note" in shown and shown.index("A note.") < shown.index("Story text here.")
    assert "Content note" not in str(Card(dict(case, content_note="")))


def test_the_roleplay_widget_shows_the_note_above_the_setup(tmp_path):
    from ipt_lib.widgets.roleplay import roleplay_widget

    widget = roleplay_widget("R04", tmp_path / "p.json")
    header = widget.header.value
    assert "Content note" in header and header.index("Content note") < header.index("Session 2 of 16")
