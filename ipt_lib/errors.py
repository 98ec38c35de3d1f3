"""Errors that a student may meet, shown as a short message instead of a traceback.

IPython calls ``_render_traceback_`` when it exists, so a student who types a
wrong answer sees one friendly paragraph.  The exception is still an ordinary
exception: nbgrader records the cell as failed and plain Python shows the usual
traceback with the same message.
"""

from __future__ import annotations


class StudentFacingError(ValueError):
    """A ValueError whose message is written for a student."""

    title = "Check your answer"

    def _render_traceback_(self) -> list[str]:
        # Red title, then the message as written: no stack frames from ipt_lib.
        return [f"\x1b[1;31m{self.title}\x1b[0m", str(self)]
