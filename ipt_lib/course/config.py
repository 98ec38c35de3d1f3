"""nbgrader settings shared by the repository and every scratch course the command makes."""

from __future__ import annotations

COURSE_ID = "ipt101"
CELL_TIMEOUT = 30  # seconds per cell at autograde: a looping cell is cut and graded as failed

CODE_STUB = "# YOUR ANSWER HERE\n..."
TEXT_STUB = "YOUR ANSWER HERE"


def configure(c, *, course_id: str = COURSE_ID, timeout: int = CELL_TIMEOUT) -> None:
    """Apply the course's nbgrader settings to a traitlets config object ``c``."""
    c.CourseDirectory.course_id = course_id
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    c.ExecutePreprocessor.timeout = timeout
    c.ExecutePreprocessor.interrupt_on_timeout = True
    # nbgrader shows hidden tests in feedback unless told not to (nbgrader issue 917).
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    from .preprocessors import RedactTestTracebacks

    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, RedactTestTracebacks, CSSHTMLHeaderPreprocessor]
    # A student who deletes a test cell gets it back, marked, and graded as usual.
    c.OverwriteCells.add_missing_cells = True
    # Only the notebook and its case file are part of the assignment.
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".ipt_autosave"]


def config_file_text(**paths: str) -> str:
    """The text of an nbgrader_config.py that applies :func:`configure` plus the given paths."""
    lines = [
        "# Written by ipt-course. Course-wide settings live in ipt_lib/course/config.py.",
        "from ipt_lib.course.config import configure",
        "",
        "c = get_config()  # noqa: F821",
        "configure(c)",
    ]
    for key, value in paths.items():
        section, _, name = key.partition("__")
        lines.append(f"c.{section}.{name} = {value!r}")
    return "\n".join(lines) + "\n"
