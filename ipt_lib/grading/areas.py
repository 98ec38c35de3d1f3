"""Classification items: a problem area (assignment 1) or a dispute stage, given as text in quotes."""

from __future__ import annotations

from ..problem_areas import DisputeStage, ProblemArea
from .answers import answer, case_label
from .rules import ClassificationRule


class AreaRule(ClassificationRule):
    function, format_check, kind = "assert_area", "check_answer_format", "problem area"
    tabulates = ProblemArea

    def wrong_message(self, label: str, chosen) -> str:
        return (f"{label}: {chosen.label!r} is not the answer the course team chose. Compare the cues with the "
                "definitions (Weissman et al., 2018; ISIPT, n.d.-b) and the timing of onset (Focus review, 2006; "
                "Markowitz, 2016).")


class StageRule(ClassificationRule):
    function, format_check, kind = "assert_stage", "check_stage_format", "dispute stage"
    tabulates = DisputeStage

    def wrong_message(self, label: str, chosen) -> str:
        return f"{label}: {chosen.label!r} is not the stage the course team chose (Weissman et al., 2018)."


AREA, STAGE = AreaRule(), StageRule()


def check_answer_format(name: str) -> None:
    """Say how the answer in variable ``name`` will be read, or raise a clear error if it cannot be read.

    This checks the format only: a well-formed but wrong answer passes here.
    """
    area = ProblemArea.parse(answer(name))
    print(f"{case_label(name)}: your answer reads as {area.label!r}. "
          "(Format check only: it does not say whether it is right.)")


def assert_area(name: str, expected: str) -> None:
    """Pass if the answer in ``name`` reads as the ``expected`` area; the failure message never names it."""
    wanted = ProblemArea.parse(expected)
    AREA.judge(case_label(name), ProblemArea.parse(answer(name)), wanted).settle()


def check_stage_format(name: str) -> None:
    stage = DisputeStage.parse(answer(name))
    print(f"{case_label(name)}: your answer reads as {stage.label!r}. (Format check only.)")


def assert_stage(name: str, expected: str) -> None:
    wanted = DisputeStage.parse(expected)
    STAGE.judge(case_label(name), DisputeStage.parse(answer(name)), wanted).settle()
