"""Role-play scenarios: every scenario file is a valid graph, broken files are reported by file and node,
the session model plays, summarises, saves and reloads, and the widget (without a browser) advances and restores."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipt_lib.problem_areas import ProblemArea
from ipt_lib.references import check_cited, citations, unresolved
from ipt_lib.roleplay import (KIND, QUALITIES, SCHEMA_VERSION, Scenario, ScenarioError, Session, SessionError,
                              default_folder, find_scenario, load_scenario, load_scenarios, practice_excerpt)
from ipt_lib.storage import StoredFileError
from ipt_lib.techniques import Technique
from ipt_lib.transcripts import LabelError

FIXTURES = Path(__file__).parent / "fixtures" / "scenarios"
GOOD = FIXTURES / "good" / "r90.toml"


@pytest.fixture(scope="module")
def scenarios(root):
    return load_scenarios(root / "data" / "scenarios")


@pytest.fixture()
def good():
    return load_scenario(GOOD)


def _walk(scenario: Scenario) -> set[str]:
    seen, todo = {scenario.start}, [scenario.start]
    while todo:
        for c in scenario.node(todo.pop()).choices:
            if c.next not in seen:
                seen.add(c.next)
                todo.append(c.next)
    return seen


# --- the scenarios in data/scenarios ----------------------------------------------

def test_default_folder_is_the_repository_folder(scenarios):
    assert [s.id for s in load_scenarios()] == [s.id for s in scenarios]
    assert default_folder().name == "scenarios"


def test_there_are_at_least_three_scenarios_of_6_to_10_nodes_with_two_endings(scenarios):
    assert len(scenarios) >= 3
    for s in scenarios:
        assert 6 <= len(s.nodes) <= 10, s.id
        assert len(s.endings) >= 2, s.id


def test_every_scenario_file_is_a_valid_graph(scenarios):
    for s in scenarios:
        ids = set(s.node_ids)
        assert s.start in ids
        for node in s.nodes:
            assert node.is_end or 2 <= len(node.choices) <= 4, (s.id, node.id)
            for c in node.choices:
                assert c.next in ids, (s.id, node.id, c.number)
        assert _walk(s) == ids, f"{s.id}: unreachable nodes {ids - _walk(s)}"
        for node in s.nodes:                       # from every node an ending can still be reached
            reach = _walk(Scenario(**{**s.__dict__, "start": node.id}))
            assert any(s.node(n).is_end for n in reach), (s.id, node.id)


def test_every_choice_has_a_technique_a_quality_and_feedback_citing_the_bibliography(scenarios):
    for s in scenarios:
        for node in s.nodes:
            for c in node.choices:
                assert isinstance(c.technique, Technique) and c.quality in QUALITIES
                assert len(c.feedback) > 40 and check_cited(c.feedback) is None, (s.id, node.id, c.number)
            if node.is_end:
                assert node.closing and check_cited(node.closing) is None, (s.id, node.id)


def test_every_work_the_scenarios_cite_is_in_the_course_bibliography(scenarios):
    cited, bad = set(), {}
    for s in scenarios:
        for text in [s.setup] + [n.closing for n in s.nodes] + [c.feedback for c in s.choices]:
            cited |= set(citations(text))
            if unresolved(text):
                bad[s.id] = unresolved(text)
    assert not bad, f"cited but not in data/references.toml: {bad}"
    assert {"Weissman et al., 2018", "Klerman et al., 1984"} <= cited


def test_scenarios_cover_the_issue_examples_and_every_technique(scenarios):
    by_id = {s.id: s for s in scenarios}
    dispute, grief, third = by_id["R01"], by_id["R02"], by_id["R03"]
    assert dispute.problem_area is ProblemArea.ROLE_DISPUTE and dispute.dispute_stage is not None
    assert grief.problem_area is ProblemArea.GRIEF
    assert third.problem_area in (ProblemArea.ROLE_TRANSITION, ProblemArea.INTERPERSONAL_DEFICITS)
    assert all(s.phase.label == "middle" for s in (dispute, grief))
    used = {c.technique for s in scenarios for c in s.choices}
    assert used == set(Technique)
    assert {Technique.COMMUNICATION_ANALYSIS, Technique.ROLE_PLAY} <= {c.technique for c in dispute.choices}
    assert Technique.ENCOURAGEMENT_OF_AFFECT in {c.technique for c in grief.choices if c.quality == "good"}
    assert Technique.DECISION_ANALYSIS in {c.technique for c in third.choices if c.quality == "good"}


def test_every_scenario_has_good_and_poor_choices_and_the_best_is_not_always_first(scenarios):
    for s in scenarios:
        qualities = Counter(c.quality for c in s.choices)
        assert qualities["good"] and qualities["poor"] and qualities["acceptable"], s.id
        first_good = [next(c.number for c in n.choices if c.quality == "good")
                      for n in s.nodes if any(c.quality == "good" for c in n.choices)]
        assert len(set(first_good)) > 1, f"{s.id}: the best response is always choice {first_good[0]}"
        for node in s.nodes:
            assert node.is_end or any(c.quality == "good" for c in node.choices), (s.id, node.id)


def test_clients_are_diverse_in_age_and_gender(scenarios):
    assert len({s.client.pronouns for s in scenarios}) >= 3
    ages = [s.client.age for s in scenarios]
    assert min(ages) < 25 and max(ages) >= 60


def test_the_check_command_lists_the_scenarios_and_exits_zero(root):
    out = subprocess.run([sys.executable, "-m", "ipt_lib.roleplay", "check", str(root / "data" / "scenarios")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "valid scenario(s), 0 with errors" in out.stdout and "R01 " in out.stdout


def test_the_check_command_reports_a_broken_file_and_exits_one():
    out = subprocess.run([sys.executable, "-m", "ipt_lib.roleplay", "check", str(FIXTURES / "bad")],
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert "ERROR dead_link.toml, node 'again', choice 2, next" in out.stdout


# --- broken scenario files ------------------------------------------------------------

@pytest.mark.parametrize("name, node, choice, words", [
    ("dead_link.toml", "again", 2, "'end_x' is not a node"),
    ("unreachable.toml", "orphan", None, "cannot be reached from the start node"),
    ("trapped.toml", "check", None, "no path from here reaches an ending"),
    ("bad_technique.toml", "check", 1, "Did you mean 'clarification'?"),
    ("missing_feedback.toml", "check", 2, "every choice needs feedback"),
    ("duplicate_node.toml", "check", None, "used twice"),
    ("malformed.toml", "again", None, "not valid TOML"),
    ("no_citation.toml", "start", 1, "must cite the course bibliography"),
    ("unknown_citation.toml", "start", 1, "not in the course bibliography (data/references.toml): Nobody et al., 1999"),
    ("bad_quality.toml", "check", 1, "not one of: good, acceptable, poor"),
    ("one_choice.toml", "start", None, "a node offers 2-4"),
])
def test_a_broken_scenario_is_reported_with_its_file_and_node(name, node, choice, words):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(FIXTURES / "bad" / name)
    error = caught.value
    assert error.path.name == name and error.node == node and error.choice == choice
    message = str(error)
    assert message.startswith(f"{name}, node {node!r}")
    assert words in message


def test_a_loop_is_allowed_while_an_ending_stays_reachable(good):
    assert good.id == "R90" and {"check", "again"} <= set(good.node_ids)
    assert good.node("check").choices[1].technique is Technique.ROLE_PLAY      # "Role-playing", forgivingly parsed
    s = Session(good)
    for number in (1, 1, 1, 1, 2):                                               # round the loop twice, then out
        s.choose(number)
    assert s.finished and s.node.id == "end_a"
    assert [st.node for st in s.steps] == ["start", "check", "again", "check", "again"]


def test_scenarios_sharing_an_id_are_reported_with_both_files():
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(FIXTURES / "duplicate")
    assert "r91.toml" in str(caught.value) and "r90.toml" in str(caught.value) and caught.value.field == "id"


def test_missing_fields_and_a_stage_outside_a_dispute_are_named(tmp_path):
    text = GOOD.read_text(encoding="utf-8")
    (tmp_path / "nostart.toml").write_text(text.replace('start = "start"\n', ""), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"nostart.toml, start: missing"):
        load_scenario(tmp_path / "nostart.toml")
    (tmp_path / "stage.toml").write_text(text.replace('phase = "middle"', 'phase = "middle"\ndispute_stage = "impasse"'),
                                         encoding="utf-8")
    with pytest.raises(ScenarioError, match="only a role-dispute scenario has a stage"):
        load_scenario(tmp_path / "stage.toml")
    (tmp_path / "extra.toml").write_text(text.replace('  reply = "OK, I suppose."', '  reply = "OK."\n  hint = "x"'),
                                         encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"extra.toml, node 'start', choice 2, hint: unknown field"):
        load_scenario(tmp_path / "extra.toml")
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "absent.toml")


# --- the session model -------------------------------------------------------------------

def test_choose_moves_along_the_path_and_records_technique_and_quality(good):
    s = Session(good)
    assert s.node.id == "start" and not s.finished and s.last is None
    step = s.choose(1)
    assert (step.node, step.choice, step.technique, step.quality) == ("start", 1, Technique.NONDIRECTIVE_EXPLORATION,
                                                                       "good")
    assert s.node.id == "check"
    s.choose(2)
    assert s.finished and s.node.ending_label == "Ending A"


@pytest.mark.parametrize("bad", [0, 3, "1", 1.0, True, None])
def test_choose_refuses_a_choice_that_does_not_exist(good, bad):
    with pytest.raises(SessionError, match="1 to 2"):
        Session(good).choose(bad)


def test_choose_after_an_ending_asks_for_a_restart(good):
    s = Session(good)
    s.choose(2)
    with pytest.raises(SessionError, match="restart"):
        s.choose(1)


def test_summary_lists_path_techniques_counts_and_a_debrief(good):
    s = Session(good)
    assert s.summary().debrief == "No responses chosen yet."
    for number in (1, 1, 2):
        s.choose(number)
    summary = s.summary()
    assert summary.finished and summary.ending == "Ending A" and "Closing text A" in summary.closing
    assert [st.choice for st in summary.steps] == [1, 1, 2]
    assert dict(summary.counts) == {"good": 2, "acceptable": 1, "poor": 0}
    assert summary.techniques == ((Technique.NONDIRECTIVE_EXPLORATION, 1), (Technique.CLARIFICATION, 1),
                                  (Technique.DECISION_ANALYSIS, 1))
    assert "You reached the ending 'Ending A' in 3 responses (2 good, 1 acceptable, 0 poor)" in summary.debrief
    assert "Ending: Ending A" in str(summary)


def test_summary_debrief_points_to_the_poor_choices(good):
    s = Session(good)
    s.choose(2)
    debrief = s.summary().debrief
    assert "ending 'end b'" in debrief and "Look again at response 1 (decision analysis)" in debrief


def test_restart_goes_back_to_the_start_and_keeps_a_record_of_a_finished_run(good):
    s = Session(good)
    s.choose(1)
    s.restart()                                  # unfinished: nothing recorded
    assert s.node.id == "start" and s.steps == [] and s.history == []
    s.choose(2)
    s.restart()
    assert s.history == [{"ending": "end_b", "steps": 1, "good": 0, "acceptable": 0, "poor": 1}]
    assert s.summary().earlier == tuple(s.history)


def test_save_and_load_round_trip(good, tmp_path):
    path = tmp_path / "progress.json"
    s = Session(good)
    s.choose(2)
    s.restart()
    s.choose(1)
    s.choose(1)
    s.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["kind"] == KIND and data["schema_version"] == SCHEMA_VERSION
    assert data["scenarios"]["R90"]["steps"][0] == {"node": "start", "choice": 1,
                                                    "technique": "nondirective exploration", "quality": "good"}
    again = Session.load(good, path)
    assert again.steps == s.steps and again.history == s.history and again.node.id == "again"
    assert list(tmp_path.iterdir()) == [path]     # no temporary files left behind


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 2), picks=st.lists(st.integers(1, 4), max_size=12), restart_at=st.integers(0, 12))
def test_any_path_survives_a_save_and_load(scenarios, tmp_path, which, picks, restart_at):
    path = tmp_path / "progress.json"
    path.unlink(missing_ok=True)
    session = Session(scenarios[which])
    for i, pick in enumerate(picks):
        if session.finished or i == restart_at:
            session.restart()
        session.choose((pick - 1) % len(session.node.choices) + 1)
    session.save(path)
    again = Session.load(scenarios[which], path)
    assert again.steps == session.steps and again.history == session.history
    assert again.summary().debrief == session.summary().debrief


def test_load_without_a_file_starts_fresh(good, tmp_path):
    s = Session.load(good, tmp_path / "none.json")
    assert s.steps == [] and not (tmp_path / "none.json").exists()


def test_several_scenarios_share_one_progress_file(good, scenarios, tmp_path):
    path = tmp_path / "progress.json"
    a, b = Session(good), Session(scenarios[0])
    a.choose(1)
    a.save(path)
    b.choose(2)
    b.save(path)
    a.choose(2)
    a.save(path)
    assert Session.load(good, path).finished
    assert len(Session.load(scenarios[0], path).steps) == 1


@pytest.mark.parametrize("content, kept", [
    ('{"kind": "ipt-roleplay-progress", "schema_version": 1, "scena', "damaged"),
    ("", "damaged"),
    ('{"kind": "ipt-interpersonal-inventory", "schema_version": 1}', "foreign"),
])
def test_a_damaged_or_foreign_progress_file_is_kept_aside_and_play_starts_fresh(good, tmp_path, content, kept):
    path = tmp_path / "progress.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StoredFileError, match="kept as"):
        Session.load(good, path)
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(f"progress.json.{kept}-")]
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == content and not path.exists()
    fresh = Session(good)
    fresh.choose(1)
    fresh.save(path)                              # a new file beside the kept one
    assert Session.load(good, path).node.id == "check"


def test_progress_that_no_longer_fits_the_scenario_is_copied_aside(good, tmp_path):
    path = tmp_path / "progress.json"
    s = Session(good)
    s.choose(1)
    s.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["scenarios"]["R90"]["steps"].append({"node": "nowhere", "choice": 1})
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(StoredFileError, match="the scenario file has changed"):
        Session.load(good, path)
    aside = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and json.loads(aside[0].read_text(encoding="utf-8")) == data


def test_a_file_from_a_newer_workbook_is_never_overwritten(good, tmp_path):
    path = tmp_path / "progress.json"
    newer = json.dumps({"kind": KIND, "schema_version": SCHEMA_VERSION + 1, "scenarios": {}})
    path.write_text(newer, encoding="utf-8")
    with pytest.raises(StoredFileError, match="newer version"):
        Session.load(good, path)
    with pytest.raises(StoredFileError, match="newer version"):
        Session(good).save(path)
    assert path.read_text(encoding="utf-8") == newer


def test_find_scenario_takes_an_id_a_path_or_a_scenario(scenarios, good):
    assert find_scenario("r01").id == "R01" and find_scenario(GOOD) == good and find_scenario(good) is good
    with pytest.raises(ScenarioError, match="there is no scenario R77"):
        find_scenario("R77")


def test_importing_roleplay_loads_no_heavy_module():
    probe = ("import sys, ipt_lib.roleplay; print(' '.join(sorted(m for m in sys.modules "
             "if m.split('.')[0] in ('pandas', 'matplotlib', 'ipywidgets', 'numpy', 'IPython'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# --- the lesson helper -------------------------------------------------------------------

def test_practice_excerpt_shows_the_key_of_practice_turns_only():
    html_text = practice_excerpt("T05", 13, 15)
    assert "Let&#x27;s practise" in html_text or "Let's practise" in html_text
    assert 'data-turn="13"' in html_text and 'data-turn="12"' not in html_text and "Key: role play" in html_text
    with pytest.raises(LabelError, match="graded item"):
        practice_excerpt("T02", 1, 2)
    with pytest.raises(LabelError, match="has turns 1-"):
        practice_excerpt("T05", 0, 3)
    with pytest.raises(LabelError, match="Practice transcripts: T01"):
        practice_excerpt("T99", 1)


# --- the widget, without a browser ------------------------------------------------------------

def _widget(scenario, path):
    from ipt_lib.widgets.roleplay import roleplay_widget

    return roleplay_widget(scenario, path)


def test_widget_builds_with_the_setup_the_client_line_and_one_button_per_choice(scenarios, tmp_path):
    r01 = scenarios[0]
    widget = _widget("R01", tmp_path / "p.json")
    assert "ipt-roleplay" in widget.view._dom_classes and "ipt-rp-R01" in widget.view._dom_classes
    assert r01.setup[:40] in widget.header.value
    assert "Callum" in widget.client.value and "ipt-rp-client" in widget.client._dom_classes
    shown = [b for b in widget.buttons if b.layout.display != "none"]
    assert len(shown) == len(r01.node(r01.start).choices)
    assert all("ipt-rp-choice" in b._dom_classes for b in widget.buttons)
    assert widget.summary.layout.display == "none" and "ipt-rp-restart" in widget.restart_button._dom_classes
    assert not (tmp_path / "p.json").exists()      # nothing saved until the first click


def test_a_click_advances_shows_feedback_and_saves(scenarios, tmp_path):
    r01 = scenarios[0]
    path = tmp_path / "p.json"
    widget = _widget(r01, path)
    first = r01.node(r01.start).choices[1]
    widget.buttons[1].click()
    assert widget.session.node.id == first.next
    assert first.technique.label in widget.feedback.value and "ipt-rp-feedback" in widget.feedback._dom_classes
    assert html_escape(r01.node(first.next).client[:30]) in widget.client.value
    assert 'data-step="1"' in widget.transcript.value or "data-step='1'" in widget.transcript.value
    assert json.loads(path.read_text(encoding="utf-8"))["scenarios"]["R01"]["steps"][0]["choice"] == 2


def test_playing_to_an_ending_shows_the_summary_and_running_the_cell_again_restores_it(good, tmp_path):
    path = tmp_path / "p.json"
    widget = _widget(good, path)
    for number in (1, 1, 2):
        widget.buttons[number - 1].click()
    assert widget.session.finished and widget.choices.layout.display == "none"
    assert widget.summary.layout.display != "none" and "Ending: Ending A" in widget.summary.value
    again = _widget(good, path)                    # the cell is run again (or the kernel restarted)
    assert again.session.steps == widget.session.steps and "Ending: Ending A" in again.summary.value
    again.restart_button.click()
    assert again.session.node.id == "start" and again.summary.layout.display == "none"
    assert "Started again" in again.message.value
    again.buttons[1].click()                       # start -> end_b
    assert "Earlier runs: Ending A: 2 good, 1 acceptable, 0 poor" in again.summary.value


def test_widget_reports_a_damaged_progress_file_and_starts_fresh(good, tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{not json", encoding="utf-8")
    widget = _widget(good, path)
    assert "was damaged" in widget.message.value and widget.session.steps == []
    assert any(".damaged-" in p.name for p in tmp_path.iterdir())
    widget.buttons[0].click()
    assert Session.load(good, path).node.id == "check"


def test_clicking_a_hidden_button_only_shows_a_message(good, tmp_path):
    widget = _widget(good, tmp_path / "p.json")
    widget.buttons[3].click()                      # the node has 2 choices; button 4 is hidden
    assert widget.session.steps == [] and "1 to 2" in widget.message.value


def html_escape(text: str) -> str:
    import html

    return html.escape(text)
