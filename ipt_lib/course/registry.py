"""Every assignment of the course, in order: what ``ipt-course build``, the grading cycle, the sample classes, the
reports and the tests read.

A new assignment is one module (``assignmentN.py``: its builder and key), one folder ``data/assignments/<name>/``
(its prose as Markdown, its key files) and one line in ``ASSIGNMENTS`` below; README.md's authoring guide lists the
steps.

>>> [a.name for a in ASSIGNMENTS][:2]
['a1_problem_areas', 'a2_inventory']
>>> get("a1_problem_areas").manual
{'justify_answer': 4}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import (assignment1, assignment2, assignment3, assignment4, assignment5, assignment6, assignment7,
               assignment8, samples)
from .samples import Profile


@dataclass(frozen=True)
class Assignment:
    """One assignment: where it lives, which cells the instructor grades, and the functions that make it."""

    name: str  # its folder in source/, release/ and data/assignments/
    notebook: str  # the notebook's file name in that folder
    manual: dict[str, float]  # the cells graded by hand (written answers, a figure) -> their points
    build: Callable[[Path], list[Path]]  # writes source/<name>/ from data/ in a checkout; returns what it wrote
    key: Callable[[Path], dict] | None = None  # instructor-only: what the sample class's answers are derived from
    sample_class: Callable[[dict], list[Profile]] | None = None  # the demo's submissions, with the scores they must get
    # course folder -> {graded test cell: the vignette it asks about}, for the item analysis (None: not vignettes)
    item_vignettes: Callable[[Path], dict[str, str]] | None = None
    # the vignette ids this assignment shows students, kept out of Assignment 1's graded set (None: no vignettes)
    shows: Callable[[Path], set[str]] | None = None

    @property
    def manual_ids(self) -> tuple[str, ...]:
        return tuple(self.manual)

    @property
    def manual_points(self) -> float:
        return sum(self.manual.values())


ASSIGNMENTS: tuple[Assignment, ...] = (
    Assignment(assignment1.ASSIGNMENT, assignment1.NOTEBOOK, {"justify_answer": assignment1.MANUAL_POINTS},
               assignment1.build, assignment1.cycle_key, samples.sample_class, assignment1.item_vignettes,
               assignment1.shows),
    Assignment(assignment2.ASSIGNMENT, assignment2.NOTEBOOK, {"reflection_answer": assignment2.MANUAL_POINTS},
               assignment2.build, assignment2.answer_key, samples.inventory_class, shows=assignment2.shows),
    Assignment(assignment3.ASSIGNMENT, assignment3.NOTEBOOK, assignment3.MANUAL,
               assignment3.build, assignment3.cycle_key, samples.caseload_class),
    Assignment(assignment4.ASSIGNMENT, assignment4.NOTEBOOK, {"analysis_answer": assignment4.MANUAL_POINTS},
               assignment4.build, assignment4.answer_key, samples.techniques_class),
    Assignment(assignment5.ASSIGNMENT, assignment5.NOTEBOOK, {"discussion_answer": assignment5.MANUAL_POINTS},
               assignment5.build, assignment5.answer_key, samples.approaches_class, shows=assignment5.shows),
    Assignment(assignment6.ASSIGNMENT, assignment6.NOTEBOOK, {"formulation_answer": assignment6.FORMULATION_POINTS},
               assignment6.build, assignment6.answer_key, samples.exam_class, shows=assignment6.shows),
    Assignment(assignment7.ASSIGNMENT, assignment7.NOTEBOOK, assignment7.MANUAL,
               assignment7.build, assignment7.answer_key, samples.fidelity_class),
    Assignment(assignment8.ASSIGNMENT, assignment8.NOTEBOOK, assignment8.MANUAL,
               assignment8.build, assignment8.answer_key, samples.portfolio_class),
)


def names() -> list[str]:
    return [a.name for a in ASSIGNMENTS]


def get(name: str) -> Assignment:
    """The assignment called ``name`` (its folder name), or a ValueError naming the ones there are."""
    for assignment in ASSIGNMENTS:
        if assignment.name == name:
            return assignment
    raise ValueError(f"{name!r} is not an assignment of this course. Use one of: {', '.join(names())}.")


def find(name: str) -> Assignment | None:
    """The assignment called ``name``, or None (a gradebook may hold assignments this course does not build)."""
    return next((a for a in ASSIGNMENTS if a.name == name), None)
