"""Session transcripts: the corpus, its schema and loader, the label parsers, and the dialogue display."""

import html
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ipt_lib.errors import StudentFacingError
from ipt_lib.problem_areas import DisputeStage, ProblemArea
from ipt_lib.references import check_cited, unresolved
from ipt_lib.techniques import (ATTRIBUTION, GUIDE_2018, CommunicationProblem, CommunicationProblemError, Phase,
                                PhaseError, Technique, TechniqueError)
from ipt_lib.transcripts import (SETTINGS, LabelError, TranscriptError, coverage_table, load_transcript,
                                 load_transcripts, transcripts_frame)

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
GOOD = FIXTURES / "good" / "t90.toml"

NE, DE, EA, CL, CA, DA, RP, TR, DI = Technique
NV, AS, IN, SI = CommunicationProblem


@pytest.fixture(scope="module")
def transcripts(root):
    return load_transcripts(root / "data" / "transcripts")


@pytest.fixture()
def good():
    return load_transcript(GOOD)


# --- the corpus ------------------------------------------------------------------

def test_default_folder_is_the_repository_corpus(transcripts):
    assert [t.id for t in load_transcripts()] == [t.id for t in transcripts]


def test_corpus_has_at_least_14_transcripts_spread_over_areas_phases_and_populations(transcripts):
    print("\n" + coverage_table(transcripts))
    assert len(transcripts) >= 14
    areas = Counter(t.problem_area for t in transcripts)
    assert all(areas[a] >= 3 for a in ProblemArea), areas
    phases = Counter(t.phase for t in transcripts)
    assert all(phases[p] >= 3 for p in Phase), phases
    populations = Counter(t.population for t in transcripts)
    assert populations["adolescent"] >= 3 and populations["older adult"] >= 3 and populations["adult"] >= 3


def test_corpus_covers_every_setting_and_several_conditions(transcripts):
    assert {t.setting for t in transcripts} == set(SETTINGS)
    assert len({t.condition for t in transcripts}) >= 3


def test_role_disputes_cover_all_three_stages(transcripts):
    disputes = [t for t in transcripts if t.problem_area is ProblemArea.ROLE_DISPUTE]
    assert len(disputes) >= 4
    assert {t.dispute_stage for t in disputes} == set(DisputeStage)


def test_graded_disputes_have_different_stages_so_staging_can_be_graded(transcripts):
    graded = [t.dispute_stage for t in transcripts if t.dispute_stage and t.is_graded]
    assert len(set(graded)) >= 2, graded


def test_dispute_stage_is_present_exactly_on_role_disputes(transcripts):
    for t in transcripts:
        assert (t.dispute_stage is not None) == (t.problem_area is ProblemArea.ROLE_DISPUTE), t.id


def test_every_technique_is_used_at_least_8_times(transcripts):
    counts = Counter(turn.technique for t in transcripts for turn in t.turns if turn.technique)
    assert all(counts[technique] >= 8 for technique in Technique), counts


def test_every_communication_problem_appears_at_least_4_times(transcripts):
    counts = Counter(turn.communication_problem for t in transcripts for turn in t.turns
                     if turn.communication_problem)
    assert all(counts[problem] >= 4 for problem in CommunicationProblem), counts


def test_every_therapist_turn_has_a_technique_and_every_label_a_rationale(transcripts):
    for t in transcripts:
        for turn in t.turns:
            if turn.speaker == "therapist":
                assert turn.technique is not None and turn.communication_problem is None, (t.id, turn.number)
            else:
                assert turn.technique is None, (t.id, turn.number)
            assert bool(turn.rationale) == turn.is_labelled, (t.id, turn.number)


def test_excerpts_have_10_to_20_turns_and_sessions_that_fit_their_phase(transcripts):
    for t in transcripts:
        assert 10 <= len(t.turns) <= 20, t.id
        assert [turn.number for turn in t.turns] == list(range(1, len(t.turns) + 1))
        assert t.phase.allows_session(t.session, t.planned_sessions), t.id


def test_corpus_is_about_half_practice_and_half_graded_apart_from_the_phase_series(transcripts):
    # The lesson series on the initial and ending phases (one client over several sessions) is practice
    # material by design; the balance is kept in the rest of the corpus.
    series = _series(transcripts)
    uses = Counter(t.use for t in transcripts if t.client.name not in series)
    assert abs(uses["practice"] - uses["graded"]) <= 2, uses
    assert all(t.use == "practice" for t in transcripts if t.client.name in series)
    for area in ProblemArea:
        assert {t.use for t in transcripts if t.problem_area is area} == {"practice", "graded"}, area


def _series(transcripts) -> set[str]:
    """Names of clients who appear in more than one excerpt (a series of sessions)."""
    names = Counter(t.client.name for t in transcripts)
    return {name for name, n in names.items() if n > 1}


def test_clients_are_distinct_people_or_one_person_across_a_series_of_sessions(transcripts):
    series = _series(transcripts)
    assert len(series) <= 1 and len({t.client.name for t in transcripts}) >= 14
    for name in series:
        same = [t for t in transcripts if t.client.name == name]
        assert len({t.client for t in same}) == 1, name            # same age, pronouns and background
        assert len({t.session for t in same}) == len(same), name   # each excerpt is a different session
        assert len({t.problem_area for t in same}) == 1, name
    assert len({t.client.pronouns for t in transcripts}) >= 3
    assert len({t.id for t in transcripts}) == len(transcripts)


def test_summaries_do_not_give_away_the_dispute_stage(transcripts):
    for t in transcripts:
        for stage in DisputeStage:
            assert stage.label not in t.summary.lower(), t.id


def test_template_and_readme_describe_every_field_the_loader_accepts(root):
    from ipt_lib.transcripts import CLIENT, SCHEMA, TURN

    template = (root / "data" / "transcripts" / "_TEMPLATE.toml.example").read_text()
    readme = (root / "data" / "transcripts" / "README.md").read_text()
    for name in SCHEMA.names + TURN.names + CLIENT.names:
        assert name in template and (f"`{name}" in readme or f"`[[{name}]]`" in readme), name


# --- technique parsing -------------------------------------------------------------

@pytest.mark.parametrize("text, technique", [
    ("nondirective exploration", NE), ("Non-directive exploration", NE), ("NONDIRECTIVE", NE),
    ("non directive exploration.", NE), ("open question", NE), ("open-ended question", NE),
    ("direct elicitation", DE), ("Direct Elicitation!", DE), ("elicitation", DE), ("direct question", DE),
    ("direct-elicitation", DE), ("directelicitation", DE),
    ("encouragement of affect", EA), ("Encouraging affect", EA), ("affect", EA), ("encouragement-of-affect", EA),
    ("validating feelings", EA),
    ("clarification", CL), ("Clarify", CL), ("clarifying.", CL), ("'Clarification'", CL), ("clarifications", CL),
    ("communication analysis", CA), ("Communication-Analysis", CA), ("comm. analysis", CA),
    ("analysis of communication", CA), ("communications analysis", CA),
    ("decision analysis", DA), ("Decision-making", DA), ("decision_analysis", DA), ("decisional analysis", DA),
    ("role play", RP), ("roleplay", RP), ("role-play", RP), ("Role-playing", RP), ("ROLE PLAYING", RP),
    ("role plays", RP), ("rehearsal", RP), ("behavioural rehearsal", RP),
    ("use of the therapeutic relationship", TR), ("therapeutic relationship", TR), ("Therapeutic-Relationship.", TR),
    ("use of therapeutic relationship", TR), ("the therapy relationship", TR),
    ("\u201crole play\u201d", RP), ("  clarification  ", CL), ("role\tplay", RP),
])
def test_technique_parse_accepts_synonyms_case_and_punctuation(text, technique):
    assert Technique.parse(text) is technique


def test_every_technique_parses_from_its_own_label_in_any_case():
    for technique in Technique:
        assert Technique.parse(technique.label.upper()) is technique
        assert Technique.parse(technique.label.replace(" ", "-")) is technique


@pytest.mark.parametrize("text, both", [
    ("exploration", ("nondirective exploration", "direct elicitation")),
    ("Exploration.", ("nondirective exploration", "direct elicitation")),
    ("exploratory", ("nondirective exploration", "direct elicitation")),
    ("questioning", ("nondirective exploration", "direct elicitation")),
    ("analysis", ("communication analysis", "decision analysis")),
])
def test_technique_parse_says_when_a_word_is_ambiguous(text, both):
    with pytest.raises(TechniqueError) as info:
        Technique.parse(text)
    message = str(info.value)
    assert "ambiguous" in message and repr(text) in message
    assert all(label in message for label in both)


def test_technique_parse_rejects_two_techniques_at_once():
    with pytest.raises(TechniqueError, match="more than one technique"):
        Technique.parse("clarification and role play")


@pytest.mark.parametrize("typo, meant", [
    ("clarifcation", "clarification"), ("roll play", "role play"), ("desicion analysis", "decision analysis"),
    ("communication analyis", "communication analysis"), ("encouragment of affect", "encouragement of affect"),
    ("non-directive exploraton", "nondirective exploration"),
])
def test_technique_parse_suggests_the_nearest_label_for_a_misspelling(typo, meant):
    with pytest.raises(TechniqueError) as info:
        Technique.parse(typo)
    assert f"Did you mean {meant!r}?" in str(info.value)


@pytest.mark.parametrize("value", ["", "   ", "?!", "banana", "cbt", "interpretation", "grief"])
def test_technique_parse_rejects_unknown_text_listing_all_eight(value):
    with pytest.raises(TechniqueError) as info:
        Technique.parse(value)
    assert all(label in str(info.value) for label in Technique.labels())


@pytest.mark.parametrize("value", [None, 3, 2.5, True, ["role play"], {"role play": 1}, b"role play", RP, ...])
def test_technique_parse_rejects_non_strings_with_a_student_message(value):
    with pytest.raises(TechniqueError) as info:
        Technique.parse(value)
    assert isinstance(info.value, StudentFacingError)
    assert "role play" in str(info.value)


@pytest.mark.parametrize("text", [
    "directive", "Directive techniques", "directive technique", "advice", "Giving advice", "advising",
    "psychoeducation", "psycho-education", "Psychoeducational", "suggestion",
])
def test_technique_parse_reads_advice_and_psychoeducation_as_directive(text):
    assert Technique.parse(text) is Technique.DIRECTIVE


def test_directive_is_a_klerman_manual_technique_outside_the_2018_guide_and_not_nondirective():
    assert Technique.DIRECTIVE not in GUIDE_2018 and Technique.DIRECTIVE.in_2018_guide is False
    assert "Klerman" in Technique.DIRECTIVE.definition and "2018 Guide" in Technique.DIRECTIVE.definition
    assert "psychoeducation" in Technique.DIRECTIVE.sources and "Klerman" in Technique.DIRECTIVE.sources
    assert Technique.parse("non-directive") is NE and Technique.parse("directive") is not NE
    with pytest.raises(TechniqueError, match="Did you mean 'advice'"):
        Technique.parse("advcie")
    with pytest.raises(TechniqueError, match="ambiguous"):
        Technique.parse("behaviour change")


def test_techniques_carry_definitions_cues_and_reference_sources():
    assert len(GUIDE_2018) == 7 and TR not in GUIDE_2018 and TR.in_2018_guide is False
    for technique in Technique:
        assert technique.definition and technique.cue
        assert check_cited(technique.sources) is None, technique     # cites, and every citation resolves


# --- communication problems and phases ----------------------------------------------

@pytest.mark.parametrize("text, problem", [
    ("ambiguous nonverbal communication", NV), ("Non-verbal", NV), ("nonverbal", NV), ("body language", NV),
    ("ambiguous non-verbal communication.", NV),
    ("assuming one has communicated or understood", AS), ("assuming one has communicated", AS),
    ("Assuming one has been understood", AS), ("assumption", AS), ("incorrect assumption", AS),
    ("needlessly indirect communication", IN), ("indirect communication", IN), ("Hinting", IN),
    ("indirect speech", IN), ("needlessly-indirect verbal communication", IN),
    ("silence that closes off communication", SI), ("silence", SI), ("Silent treatment!", SI),
    ("closing off communication", SI), ("SILENCE.", SI),
])
def test_communication_problem_parse_accepts_synonyms_case_and_punctuation(text, problem):
    assert CommunicationProblem.parse(text) is problem


@pytest.mark.parametrize("text", ["indirect", "Indirect.", "ambiguous"])
def test_communication_problem_parse_says_when_a_word_is_ambiguous(text):
    with pytest.raises(CommunicationProblemError) as info:
        CommunicationProblem.parse(text)
    message = str(info.value)
    assert "ambiguous" in message and "needlessly indirect communication" in message
    assert "ambiguous nonverbal communication" in message


@pytest.mark.parametrize("typo, meant", [("slience", "silence"), ("ambigous nonverbal communication",
                                                                  "ambiguous nonverbal communication")])
def test_communication_problem_parse_suggests_the_nearest_label(typo, meant):
    with pytest.raises(CommunicationProblemError, match=f"Did you mean {meant!r}"):
        CommunicationProblem.parse(typo)


@pytest.mark.parametrize("value", ["", "sulking", None, 4, ["silence"]])
def test_communication_problem_parse_rejects_bad_input_listing_all_four(value):
    with pytest.raises(CommunicationProblemError) as info:
        CommunicationProblem.parse(value)
    assert all(label in str(info.value) for label in CommunicationProblem.labels())


def test_communication_problems_are_taught_with_their_attribution():
    assert "Klerman" in ATTRIBUTION and "1984" in ATTRIBUTION and "UNCONFIRMED" in ATTRIBUTION
    assert "(Klerman et al., 1984; Weissman et al., 2018)" in ATTRIBUTION and not unresolved(ATTRIBUTION)
    for problem in CommunicationProblem:
        assert problem.definition and problem.attribution == ATTRIBUTION


def test_attribution_says_the_course_merges_two_of_the_five_summarised_kinds():
    assert "five" in ATTRIBUTION and "merges" in ATTRIBUTION and "UNCONFIRMED" in ATTRIBUTION
    assert "wrongly assuming one has communicated" in ATTRIBUTION
    assert "wrongly assuming one has understood" in ATTRIBUTION
    merged = CommunicationProblem.ASSUMING_UNDERSTOOD
    assert merged.label in ATTRIBUTION and len(CommunicationProblem) == 4
    for wording in ("wrongly assuming one has communicated", "wrongly assuming one has understood"):
        assert CommunicationProblem.parse(wording) is merged


@pytest.mark.parametrize("text, phase", [
    ("initial", Phase.INITIAL), ("Initial phase", Phase.INITIAL), ("beginning", Phase.INITIAL),
    ("middle", Phase.MIDDLE), ("Middle-phase", Phase.MIDDLE), ("intermediate", Phase.MIDDLE),
    ("ending", Phase.ENDING), ("termination", Phase.ENDING), ("Final phase.", Phase.ENDING),
])
def test_phase_parse_accepts_common_names(text, phase):
    assert Phase.parse(text) is phase


@pytest.mark.parametrize("value", ["endng", "", None, "phase 2"])
def test_phase_parse_rejects_bad_input(value):
    with pytest.raises(PhaseError):
        Phase.parse(value)


@pytest.mark.parametrize("phase, session, planned, fits", [
    (Phase.INITIAL, 1, 16, True), (Phase.INITIAL, 4, 16, True), (Phase.INITIAL, 5, 16, False),
    (Phase.MIDDLE, 3, 16, True), (Phase.MIDDLE, 12, 16, True), (Phase.MIDDLE, 2, 16, False),
    (Phase.MIDDLE, 16, 16, False), (Phase.ENDING, 13, 16, True), (Phase.ENDING, 12, 16, False),
    (Phase.ENDING, 6, 8, True), (Phase.ENDING, 17, 16, False),
])
def test_phase_session_rule_is_lenient_where_sources_differ(phase, session, planned, fits):
    assert phase.allows_session(session, planned) is fits


# --- bad files ------------------------------------------------------------------------

@pytest.mark.parametrize("name, where", [
    ("malformed", "(file): not valid TOML"),
    ("missing_field", "phase: missing"),
    ("unknown_technique", "turn 7, technique: 'clarifcation' is not a technique. Did you mean 'clarification'?"),
    ("wrong_speaker", "turn 6, speaker: 'patient' is not one of: therapist, client; did you mean 'client'?"),
    ("stage_on_non_dispute", "dispute_stage: only a role-dispute excerpt has a stage"),
    ("dispute_without_stage", "dispute_stage: missing"),
    ("session_out_of_range", "session: 17 is out of range"),
    ("session_wrong_phase", "session: session 6 of 12 does not fit the ending phase"),
    ("missing_technique", "turn 5, technique: missing"),
    ("technique_on_client", "turn 6, technique: only therapist turns"),
    ("problem_on_therapist", "turn 3, communication_problem: only client turns"),
    ("unknown_problem", "turn 2, communication_problem: 'sulking' is not a communication problem"),
    ("missing_rationale", "turn 7, rationale: missing"),
    ("age_population", "client.age: 14 does not fit the population 'adult'"),
    ("too_few_turns", "turns: has 8 turns"),
])
def test_a_bad_file_is_reported_with_its_file_and_field_or_turn(name, where):
    with pytest.raises(TranscriptError) as info:
        load_transcript(FIXTURES / "bad" / f"{name}.toml")
    assert str(info.value).startswith(f"{name}.toml, {where}"), str(info.value)
    assert isinstance(info.value, StudentFacingError)


def test_a_duplicate_id_across_files_names_both_files():
    with pytest.raises(TranscriptError) as info:
        load_transcripts(FIXTURES / "duplicate")
    assert str(info.value) == "t92.toml, id: T91 is also used by t91.toml"


def test_a_missing_folder_or_file_is_reported_not_raised_as_a_traceback(tmp_path):
    with pytest.raises(TranscriptError, match="no such folder"):
        load_transcripts(tmp_path / "nowhere")
    with pytest.raises(TranscriptError, match="no such file"):
        load_transcript(tmp_path / "t01.toml")


def test_a_content_note_is_required_when_a_turn_mentions_suicide(tmp_path):
    text = GOOD.read_text().replace('text = "It is."', 'text = "Some nights I have thought about suicide."')
    path = tmp_path / "t93.toml"
    path.write_text(text)
    with pytest.raises(TranscriptError, match="t93.toml, content_note: turn 6 mentions suicide"):
        load_transcript(path)
    path.write_text(text.replace('summary =', 'content_note = "Mentions suicidal thoughts."\nsummary ='))
    assert load_transcript(path).content_note


def test_student_facing_error_renders_as_one_paragraph():
    with pytest.raises(TranscriptError) as info:
        load_transcript(FIXTURES / "bad" / "unknown_technique.toml")
    rendered = info.value._render_traceback_()
    assert len(rendered) == 2 and "Traceback" not in "".join(rendered)


# --- frames --------------------------------------------------------------------------

def test_to_frame_has_one_row_per_turn_with_the_labels(good):
    frame = good.to_frame()
    assert list(frame.columns) == ["turn", "speaker", "text", "technique", "communication_problem"]
    assert len(frame) == len(good.turns) and list(frame["turn"]) == list(range(1, 11))
    assert frame.loc[0, "technique"] == "nondirective exploration"
    assert frame.loc[1, "communication_problem"] == "ambiguous nonverbal communication"
    assert frame["technique"].isna().sum() == 5 and frame.loc[3, "technique"] != frame.loc[3, "technique"]


def test_transcripts_frame_stacks_every_turn_with_its_transcript(transcripts):
    frame = transcripts_frame(transcripts)
    assert len(frame) == sum(len(t.turns) for t in transcripts)
    assert set(frame["transcript"]) == {t.id for t in transcripts}
    counts = frame["technique"].value_counts()
    assert counts.min() >= 8 and len(counts) == len(Technique)


# --- display --------------------------------------------------------------------------

def test_html_shows_speaker_turn_number_and_escaped_text(good):
    page = good.show()
    assert page._repr_html_() == str(page) == good._repr_html_()
    for css in ("ipt-transcript", "ipt-turn", "ipt-therapist", "ipt-client"):
        assert f'class="{css}' in page or f" {css}" in page
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&amp; left it" in page and "Ada &lt;b&gt;" in page and "&lt;i&gt;with markup&lt;/i&gt;" in page
    assert 'data-turn="10"' in page and "Therapist" in page
    assert "ipt-key" not in page.split("</style>")[1] and "RATIONALE-SECRET" not in page


def test_practice_labels_are_marked_correct_or_incorrect_with_the_key(good):
    page = good.show({1: "Non-directive exploration", 3: "clarification", 2: "body language", 4: "none"})
    body = page.split("</style>")[1]
    turn = {n: body.split(f'data-turn="{n}"')[0].rsplit("<div", 1)[1] for n in (1, 2, 3, 4, 5)}
    assert "ipt-correct" in turn[1] and "ipt-correct" in turn[2] and "ipt-correct" in turn[4]
    assert "ipt-incorrect" in turn[3]
    assert "ipt-correct" not in turn[5] and "ipt-incorrect" not in turn[5]
    assert "key: communication analysis" in body and "Your label: clarification (not the key)" in body


def test_practice_key_can_be_shown_with_rationales(good):
    page = good.show(key=True)
    assert "Key: communication analysis" in page and "RATIONALE-SECRET-3" in page


def test_a_bad_student_label_gives_a_short_message_naming_the_turn(good):
    with pytest.raises(TechniqueError, match=r"^Turn 3: 'clarifcation' is not a technique\. Did you mean"):
        good.show({3: "clarifcation"})
    with pytest.raises(CommunicationProblemError, match="^Turn 2: 'indirect' is ambiguous"):
        good.show({2: "indirect"})
    with pytest.raises(LabelError, match="T90 has turns 1-10; there is no turn 11"):
        good.show({11: "role play"})
    with pytest.raises(LabelError, match="dict from turn number"):
        good.show(["role play"])


def test_graded_transcripts_refuse_to_show_the_key_and_never_leak_labels(transcripts):
    graded = [t for t in transcripts if t.is_graded]
    assert graded
    for t in graded:
        for call in (lambda: t.show({1: "clarification"}), lambda: t.show(key=True)):
            with pytest.raises(LabelError, match="graded item: its answer key is not shown"):
                call()
        page = t.show()
        assert "ipt-key" not in page.split("</style>")[1] and "ipt-mark" not in page.split("</style>")[1]
        for turn in t.turns:
            assert not turn.rationale or html.escape(turn.rationale) not in page
        assert t.dispute_stage is None or f"{t.dispute_stage.label}" not in page.lower()


def test_public_copy_carries_no_labels_rationales_or_stage(transcripts, good):
    for t in transcripts + [good]:
        public = t.public()
        assert public.dispute_stage is None and public.labels_removed
        assert all(not turn.is_labelled and not turn.rationale for turn in public.turns)
        assert [turn.text for turn in public.turns] == [turn.text for turn in t.turns]
        frame = public.to_frame()
        assert frame["technique"].isna().all() and frame["communication_problem"].isna().all()
    with pytest.raises(LabelError, match="labels removed"):
        good.public().show({1: "role play"})
    assert good.turns[0].technique is NE       # the original is unchanged


# --- import cost ----------------------------------------------------------------------

HEAVY = ("pandas", "matplotlib", "ipywidgets", "IPython", "numpy")


@pytest.mark.parametrize("module", ["ipt_lib.techniques", "ipt_lib.transcripts"])
def test_importing_the_module_loads_no_heavy_library(module):
    probe = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.split()
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
