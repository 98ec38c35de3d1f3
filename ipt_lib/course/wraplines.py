"""Messages in graded notebooks wrapped at 88 characters, so Formgrader and the feedback page show them as lines of
text and not as one line that scrolls sideways (both show outputs in a ``<pre>``, which never wraps).

A preprocessor, last in autograde (what Formgrader shows) and in generate_feedback (what the student reads); it
rewraps error tracebacks of every code cell and the printed text of test cells (the course's messages; what a
student's own cell prints is left as printed), and leaves scores (``execute_result``) alone.
"""

from __future__ import annotations

import re
import textwrap

from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["WrapLongLines", "wrap_lines", "WIDTH"]

WIDTH = 88
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def wrap_lines(text: str, width: int = WIDTH) -> str:
    """``text`` with every line longer than ``width`` broken at spaces; the rest of a broken line is indented two
    spaces more than its start (so a reader, or a test, can tell a continued line from a new one).

    >>> wrap_lines("WrongAnswer: " + "word " * 30, 40).splitlines()[1]
    '  word word word word word word word'
    """
    out = []
    for line in text.split("\n"):
        if len(_ANSI.sub("", line)) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip(" "))]
        out.append(textwrap.fill(line, width, initial_indent="", subsequent_indent=indent + "  ", break_long_words=False,
                                 break_on_hyphens=False, replace_whitespace=False, drop_whitespace=True))
    return "\n".join(out)


class WrapLongLines(NbGraderPreprocessor):
    """Wrap long lines of errors and printed output in code cells (see the module's docstring)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        # The course's messages come from the test cells; what a student's own cell prints (a table, a list) is
        # theirs and is shown as printed, so that its columns stay aligned. Errors are wrapped everywhere.
        is_test = bool(cell.metadata.get("nbgrader", {}).get("grade")) and \
            not cell.metadata.get("nbgrader", {}).get("solution")
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream" and is_test:
                output["text"] = wrap_lines(output.get("text", ""))
            elif kind == "error":
                output["traceback"] = [wrap_lines(line) for line in output.get("traceback", [])]
        return cell, resources
