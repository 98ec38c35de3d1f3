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
    from .wraplines import WrapLongLines

    # Messages wrapped at 88 characters: the feedback page (and Formgrader) show outputs in a <pre> that never wraps.
    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, RedactTestTracebacks, WrapLongLines,
                                        CSSHTMLHeaderPreprocessor]
    # A student who deletes a test cell gets it back, marked, and graded as usual.
    c.OverwriteCells.add_missing_cells = True
    # Autograde: survive dead kernels, and score keyed items from the answers' text outside the kernel.
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                        SaveAutoGrades)

    from nbgrader.preprocessors import (ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec)

    from .preprocessors import (DropBrokenGradingMetadata, LimitOutputBytes, RobustExecute, SealComputedKeys,
                                SealKeyedChecks, SetExamStudent, StaticAnswerGrader)

    from .folderguard import DropPlantedFiles, RefuseLinkedSubmission

    c.Autograde.sanitize_preprocessors = [
        RefuseLinkedSubmission, ClearOutput, DeduplicateIds, DropBrokenGradingMetadata, OverwriteKernelspec,
        OverwriteCells, SealComputedKeys, SealKeyedChecks, SetExamStudent, CheckCellMetadata,
    ]

    c.Autograde.autograde_preprocessors = [
        RobustExecute, DropPlantedFiles, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, LimitOutputBytes,
        StaticAnswerGrader, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata, WrapLongLines,
    ]
    configure_exchange(c)
    # Only the notebook and its case file are part of the assignment.
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".ipt_autosave"]


def configure_exchange(c) -> None:
    """The course's exchange classes, for the instructor's configuration and for each student's (who submits)."""
    # A submission appears in the exchange whole or not at all.
    c.ExchangeFactory.submit = "ipt_lib.course.exchange.AtomicExchangeSubmit"
    # What a student leaves in the shared inbound/ folder is copied as plain files only, and never stops the class.
    c.ExchangeFactory.collect = "ipt_lib.course.exchange.SafeExchangeCollect"


def configure_sandbox(c, *, ipc: str) -> None:
    """Run autograde kernels in the ipt-sandbox kernel (see ipt_lib/course/sandbox.py)."""
    from .sandbox import KERNEL_NAME

    c.Execute.kernel_name = KERNEL_NAME
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = ipc.rstrip("/") + "/kernel"


def config_file_text(*, sandbox_ipc: str | None = None, **paths: str) -> str:
    """The text of an nbgrader_config.py that applies :func:`configure` plus the given paths."""
    lines = [
        "# Written by ipt-course. Course-wide settings live in ipt_lib/course/config.py.",
        "from ipt_lib.course.config import configure, configure_sandbox",
        "",
        "c = get_config()  # noqa: F821",
        "configure(c)",
    ]
    if sandbox_ipc:
        lines.append(f"configure_sandbox(c, ipc={sandbox_ipc!r})")
    for key, value in paths.items():
        section, _, name = key.partition("__")
        lines.append(f"c.{section}.{name} = {value!r}")
    return "\n".join(lines) + "\n"
