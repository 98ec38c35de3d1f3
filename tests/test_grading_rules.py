"""The registry of grading rules: every keyed check is a rule, and the kernel and the grader say the same thing."""

import pytest

import ipt_lib.grading as grading
from ipt_lib.grading import KEYED_CHECKS, RULES, WrongAnswer


def test_every_hidden_check_that_test_cells_can_call_is_a_registered_rule():
    """An unregistered ``assert_*`` would be neither sealed nor judged by the grader: its key would reach the kernel."""
    hidden = {name for name in dir(grading) if name.startswith("assert_") and callable(getattr(grading, name))}
    assert hidden == set(RULES)
    assert set(KEYED_CHECKS) == {name for name, rule in RULES.items() if rule.reads != "kernel"}
    assert all(callable(getattr(grading, rule.format_check)) for rule in RULES.values())


def test_the_kernel_and_the_grader_give_the_same_feedback():
    case_1, case_2, friend = "grief", "impasse", "Lotte Mees"  # noqa: F841 - read by the checks from this frame
    cases = [(grading.assert_area, "case_1", ("role dispute",)),
             (grading.assert_stage, "case_2", ("renegotiation",)),
             (grading.assert_person, "friend", (["Lotte"], [["Mees", "partner"]]))]
    for check, name, key in cases:
        with pytest.raises(WrongAnswer) as kernel:
            check(name, *key)
        verdict = RULES[check.__name__].grade(name, locals()[name], *key)
        assert (verdict.share, verdict.message) == (0.0, str(kernel.value))


def test_the_kernel_and_the_grader_judge_an_inventory_file_alike(tmp_path):
    """The ring rule in a kernel reads the file itself; the grader passes the bytes it read safely."""
    missing = str(tmp_path / "inventory.json")
    key = (["lotte", "wife"], "inner", 2, [["mees", "son"]])
    with pytest.raises(WrongAnswer) as kernel:
        grading.assert_in_ring(missing, *key)
    verdict = RULES["assert_in_ring"].grade(missing, (missing, None), *key)
    assert (verdict.share, verdict.message) == (0.0, str(kernel.value))
    assert "there is no inventory.json in the submission" in verdict.message


def test_only_classification_rules_are_tabulated_by_the_report():
    assert {name for name, rule in RULES.items() if rule.tabulates is not None} == {"assert_area", "assert_stage"}
    assert {rule.kind for rule in RULES.values() if rule.tabulates} == {"problem area", "dispute stage"}
