"""Assignment 3 (analysing an IPT caseload): the sample class.

The code the sample students type is in data/assignments/a3_caseload/key.py (it contains right answers), passed
in as key["module"]; here are only who does what and the score each must get (12 autograded points)."""

from __future__ import annotations

from typing import Callable

import nbformat

from .profile import Profile, blank, find_cell

def _caseload(pick: Callable[[object], dict[str, str]], essay: str | None = None, figure: bool = False,
              extra: Callable[[nbformat.NotebookNode], None] | None = None, next_steps: str | None = None):
    def edit(nb, key):
        module = key["module"]
        for name, code in pick(module).items():
            find_cell(nb, f"{name}_answer").source = f"# {name}\n" + code.strip()
        if figure:
            find_cell(nb, "figure_answer").source = module.FIGURE_SOLUTION.strip()
        if essay is not None:
            find_cell(nb, "interpret_answer").source = getattr(module, essay)
        if next_steps is not None:
            find_cell(nb, "next_steps_answer").source = getattr(module, next_steps)
        if extra:
            extra(nb)
    return edit


def _with(**changes: str) -> Callable[[object], dict[str, str]]:
    """All model answers, with some replaced by a table of variants in the key module (MISTAKE_CODE, ...)."""
    def pick(module):
        code = dict(module.SOLUTIONS)
        for table, names in changes.items():
            for name in names.split():
                code[name] = getattr(module, table)[name]
        return code
    return pick


def _raise_in(name: str, code: str) -> Callable[[object], dict[str, str]]:
    def pick(module):
        return {**module.SOLUTIONS, name: code}
    return pick


def _tamper_tests(nb) -> None:
    for name in ("response_rate", "deteriorated"):
        find_cell(nb, f"{name}_test").source = f"print('{name}: correct.')"


def caseload_class(key: dict | None = None) -> list[Profile]:
    """Sample submissions for Assignment 3 with the autograded score each must get (out of 12)."""
    every = _with()
    return [
        Profile("ada", "perfect: every answer computed, figure, interpretation and risk plan complete",
                _caseload(every, "ESSAY_GOOD", figure=True, next_steps="NEXT_STEPS_GOOD"), 12,
                {"figure_answer": 3, "interpret_answer": 4, "next_steps_answer": 5},
                "Right quantity, readable, honest caption; all four rubric elements; all five steps of the plan."),
        Profile("ben", "blank: submitted untouched", blank, 0,
                {"figure_answer": 0, "interpret_answer": 0, "next_steps_answer": 0}, "No answer was written."),
        Profile("chen", "typical mistakes: completers only, PHQ-9 of 5 as remission, sessions for weeks, "
                "one wrong id", _caseload(_with(MISTAKE_CODE="response_rate remission_rate median_weeks_to_response "
                                                             "deteriorated"), "ESSAY_THIN",
                                          next_steps="NEXT_STEPS_THIN"),
                8.2, {"interpret_answer": 1, "next_steps_answer": 0},
                "Draws a causal conclusion; no caveats about counting. Risk plan: none of the five steps (the "
                "supervisor is told only at the next weekly meeting)."),
        Profile("dara", "odd but valid formats: a one-row Series, numpy values, keys in capitals, ids in "
                "lower case", _caseload(_with(ODD_FORMS="response_rate remission_rate response_by_area "
                                                        "dropout_by_setting deteriorated")), 12),
        Profile("eli", "bad formats: a percentage, an area left out, one id as text",
                _caseload(_with(BAD_FORMS="response_rate response_by_area deteriorated")), 8.5),
        Profile("femi", "an answer cell raises (a misspelt column)",
                _caseload(_raise_in("dropout_by_setting",
                                    'dropout_by_setting = (clients["dropped_out"] == "yes").groupby(clients["Setting"]).mean()')),
                11),
        Profile("gus", "loops forever in one answer cell (cut by the timeout)",
                _caseload(_raise_in("median_lag_days", "while True:\n    pass")), 11),
        Profile("hana", "replaced two test cells with print('correct'), answers right", _caseload(every,
                extra=_tamper_tests), 12),
        Profile("ivy", "the typical risk-review mistake: flags the latest totals of 20 or more instead of item 9",
                _caseload(_with(MISTAKE_CODE="risk_review")), 10.25),
    ]
