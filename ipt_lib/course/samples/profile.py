"""What every sample class is made of: a profile (one sample student and the score it must get) and the notebook
surgery that fills in a released notebook as a student would."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from ...problem_areas import ProblemArea


def wrong_area(area: ProblemArea) -> ProblemArea:
    """A deterministic wrong answer: the next area in the course's order."""
    areas = list(ProblemArea)
    return areas[(areas.index(area) + 1) % len(areas)]


@dataclass
class Profile:
    """One sample student: how they fill in the notebook and the score it must earn."""

    student: str
    description: str
    edit: Callable[[nbformat.NotebookNode, dict[str, ProblemArea]], None]
    expected_auto: float
    manual_score: float | None = None
    manual_comment: str = ""
    notes: list[str] = field(default_factory=list)
    rename_to: str | None = None  # submit the notebook under another name (a common slip)
    prepare: Callable[[Path, dict], None] | None = None  # writes files beside the notebook (inventory.json)
    # What a hostile student (or a careless instructor) does outside the notebook: to their submission in the
    # exchange's shared inbound/ folder after submitting, and to their folder in submitted/ after collect.
    tamper_inbound: Callable[[Path], None] | None = None
    tamper_submitted: Callable[[Path], None] | None = None



def find_cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def set_answer(nb: nbformat.NotebookNode, case: str, expression: str) -> None:
    """Write ``case_N = <expression>`` into a case's answer cell, as a student would."""
    find_cell(nb, f"case_{case}_answer").source = f"# Your answer for Case {case}\ncase_{case} = {expression}"


def set_essay(nb: nbformat.NotebookNode, text: str) -> None:
    find_cell(nb, "justify_answer").source = text



def blank(nb, key):
    pass
