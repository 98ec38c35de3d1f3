"""Turn labels (assignment 4): read from the answer cell's text, forgiving spelling, partial credit per turn."""

import pytest

from ipt_lib.grading.cell_text import static_labels
from ipt_lib.grading import MissingAnswer, WrongAnswer, assert_labels, check_labels, labels_verdict, read_labels

KEY = {1: "nondirective exploration", 3: "clarification", 5: "role play"}


def test_synonyms_and_text_keys_are_read():
    labels, problems = read_labels({"1": "Nondirective exploration", 3: "CLARIFICATION.", 5: "roleplay"}, "technique",
                                   KEY)
    assert problems == [] and labels == KEY


def test_each_turn_counts_for_its_share():
    assert labels_verdict(KEY, KEY, "technique") == (1.0, "turn 1: correct; turn 3: correct; turn 5: correct.")
    share, text = labels_verdict({1: "direct elicitation", 3: "clarification", 5: ...}, KEY, "technique")
    assert share == pytest.approx(1 / 3)
    assert "turn 1: 'direct elicitation' is not the technique the course team chose" in text
    assert "turn 5: not labelled yet" in text and "nondirective" not in text.split("turn 3")[0].split("chose")[-1]


@pytest.mark.parametrize("value, problem", [
    ({1: "clarifcation"}, "Did you mean 'clarification'"),
    ({1: ""}, "not labelled yet"),
    ([("1", "x")], "dict from turn number"),
    ({1: "role play", 3: "clarification", 5: "role play", 9: "role play"}, "not asked for"),
])
def test_problems_are_named_by_turn(value, problem):
    _, problems = read_labels(value, "technique", KEY)
    assert any(problem in p for p in problems), problems


def test_communication_labels_and_the_none_form():
    key = {4: "silence that closes off communication", 8: "assuming one has communicated or understood"}
    labels, problems = read_labels({4: "Silence", 8: "assumed she understood"}, "communication", key)
    assert labels == {4: "silence that closes off communication"}
    assert len(problems) == 1 and problems[0].startswith("turn 8: 'assumed she understood' is not a communication")
    share, _ = labels_verdict({4: "silence that closes off communication", 8: "ambiguous nonverbal communication"},
                              key, "communication")
    assert share == 0.5


def test_static_reading_follows_the_cell_text():
    source = ("# labels\nx = {1: ..., 3: 'clarification', 5: roleplay_label}\nx[1] = 'nondirective exploration'\n"
              "# YOUR ANSWER HERE\n...")
    labels, problem = static_labels(source, "x")
    assert problem == "" and labels[1] == "nondirective exploration" and labels[3] == "clarification"
    share, text = labels_verdict(labels, KEY, "technique")
    assert share == pytest.approx(2 / 3) and "roleplay_label is not a label in quotes" in text
    assert static_labels("x = dict(a=1)", "x")[0] is None
    assert static_labels("y = {}", "x")[1] == "the answer cell does not set x"
    assert "not valid Python" in static_labels("x = {1: 'a'", "x")[1]


def test_in_kernel_checks(capsys):
    T01 = {1: "exploration?", 3: "clarification", 5: "role play"}
    with pytest.raises(MissingAnswer, match="turn 1"):
        check_labels("T01", "technique", [1, 3, 5])
    T01[1] = "nondirective exploration"
    check_labels("T01", "technique", [1, 3, 5])
    assert "all 3 turns read as techniques" in capsys.readouterr().out
    assert assert_labels("T01", KEY, "technique", 3) is None
    T01[5] = "decision analysis"
    assert assert_labels("T01", KEY, "technique", 3) == 2.0
    with pytest.raises(WrongAnswer):
        assert_labels("T01", {1: "role play", 3: "role play", 5: "role play"}, "technique")


@pytest.mark.parametrize("text, expected", [("ipt", "IPT"), ("Cognitive Behavioral Therapy", "CBT"),
                                            ("Linehan's DBT", "DBT"), ("CBT (Beck)", "CBT"),
                                            ("dialectical behaviour therapy", "DBT"), ("cognitive therapy", "CBT")])
def test_approach_answers_are_read_forgivingly(text, expected):
    from ipt_lib.approaches import Approach

    assert Approach.parse(text).label == expected


@pytest.mark.parametrize("text, message", [("psychodynamic", "not one of"), ("IPT or CBT", "more than one"),
                                           ("", "empty"), (3, "not text")])
def test_approach_errors(text, message):
    from ipt_lib.approaches import Approach, ApproachError

    with pytest.raises(ApproachError, match=message):
        Approach.parse(text)


def test_statements_use_their_own_word():
    share, text = labels_verdict({1: "IPT", 2: "DBT"}, {1: "IPT", 2: "CBT"}, "approach")
    assert share == 0.5 and "statement 2: 'DBT' is not the approach the course team chose" in text
