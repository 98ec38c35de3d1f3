"""Item analysis of an assignment, for instructors: which items the class found easy or hard, which items
separate stronger from weaker students, and which vignettes were mistaken for which problem area.

Read from the nbgrader gradebook (scores) and the submitted notebooks (what each student answered), and written
as a self-contained HTML page (figures embedded as PNG) and a CSV with one row per autograded item::

    from ipt_lib.course.reports import item_analysis, write_reports
    analysis = item_analysis(Path("course"), "a1_problem_areas")
    write_reports(Path("course"), Path("course/reports"), ["a1_problem_areas"])

The HTML names the key areas in its confusion matrix: it is for instructors and stays in the course folder.
The CSV holds statistics only, never the key.

The package's parts: ``analysis`` (the gradebook and the answers read into statistics), ``figures`` (matplotlib
and alt texts), ``page`` (the HTML, from ``templates/item_analysis.html.j2``, and the CSV).

Definitions (classical test theory):
- difficulty: the proportion of the item's points the class earned (mean score / max points); 1 = everyone right.
- discrimination: the corrected item-total correlation, i.e. Pearson's r between the item's score and the total of
  the *other* autograded items (the point-biserial correlation when the item scores 0 or full marks). It is
  undefined ("n/a", with the reason) with fewer than 3 students or when either side has no variance.
"""

from __future__ import annotations

from pathlib import Path

from .analysis import (EASY, HARD, MIN_STUDENTS, Confusion, Distribution, ItemAnalysis, ItemStats, VignetteConfusion,
                       corrected_item_total, item_analysis, vignette_ids_for)
from .figures import confusion_figure, histogram_figure, scatter_figure
from .page import CSV_COLUMNS, render_html, write_csv, write_html

__all__ = ["ItemAnalysis", "ItemStats", "Distribution", "Confusion", "VignetteConfusion", "item_analysis",
           "write_html", "write_csv", "write_reports", "histogram_figure", "scatter_figure", "confusion_figure",
           "corrected_item_total", "EASY", "HARD", "MIN_STUDENTS", "CSV_COLUMNS", "render_html", "vignette_ids_for"]


def write_reports(course_dir: Path, out_dir: Path | None = None,
                  assignments: list[str] | tuple[str, ...] | None = None) -> list[Path]:
    """``item-analysis-<assignment>.html`` and ``.csv`` for each assignment (default: every assignment in the
    gradebook) in ``out_dir`` (default: the course folder). Returns the paths written."""

    course_dir = Path(course_dir)
    out_dir = Path(out_dir) if out_dir is not None else course_dir
    if assignments is None:
        from ..gradebook import open_gradebook

        with open_gradebook(course_dir) as gb:
            assignments = [a.name for a in gb.assignments]
    written = []
    for assignment in assignments:
        analysis = item_analysis(course_dir, assignment)
        written.append(write_html(analysis, out_dir / f"item-analysis-{assignment}.html"))
        written.append(write_csv(analysis, out_dir / f"item-analysis-{assignment}.csv"))
    return written
