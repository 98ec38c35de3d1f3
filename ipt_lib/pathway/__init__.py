"""The road to IPT certification: the training bodies' requirements as data, a trainee's log, and progress.

Three parts, each usable on its own:

* **Bodies** (:class:`Body`, :class:`Level`, :class:`Requirement`) are read from ``data/training/*.toml``, one file
  per training body; every number there comes from the bodies' own pages as cited in the course bibliography
  (notebooks/references.md; the data keep the course team's source ids for developers), and where the
  sources give no confirmed number the requirement says ``unknown = true`` (data/training/README.md).
* **The trainee log** (:class:`TraineeLog`) is a CSV file the trainee owns and may edit in a spreadsheet. Its
  columns are ``date, kind, amount, case_id, phase, detail, note`` (``note`` may be left out)::

      date,kind,amount,case_id,phase,detail,note
      2025-01-20,training,16,,,ISIPT introductory course,two days
      2025-02-03,session,0.8,C1,initial,,
      2025-02-04,supervision,1,C1,initial,Dr A,
      2025-02-03,measure,,C1,initial,PHQ-9,intake

  ``date`` is YYYY-MM-DD; ``kind`` is one of :data:`ENTRY_KINDS` (what ``amount``, ``case_id``, ``phase`` and
  ``detail`` mean for each is in that table and in the README); ``case_id`` is a code such as C1, never a
  client's name; ``phase`` is initial, middle or ending. Bad rows are reported together, each by its row number
  (the header is row 1, as in a spreadsheet) and column.
* **Progress**: :func:`assess` compares a log with one level and lists each requirement as *met*, *missing* (with
  how much is still needed), *unknown* (the reference has no confirmed number) or *self-report* (something a log
  cannot check, such as a licence). :func:`ipt_lib.plot_progress.progress_figure` draws it.

>>> log = TraineeLog()
>>> _ = log.add(date="2025-01-20", kind="training", amount=16, detail="introductory course")
>>> bodies = load_bodies()                                         # doctest: +SKIP
>>> assess(log, "isipt", "therapist").summary()                   # doctest: +SKIP
'International Society of ... (ISIPT), Therapist certification: 1 met, 2 missing, 0 unknown, 6 to confirm yourself.'

One module each: :mod:`.bodies`, :mod:`.log`, :mod:`.progress`; this package names what they export. Importing it
is cheap: pandas and TOML are loaded only by the functions that need them.
"""

from __future__ import annotations

from .bodies import (REQUIREMENT_KINDS, Body, Level, PathwayDataError, Requirement, default_folder, find_body,
                     load_bodies, load_body)
from .log import ENTRY_KINDS, LOG_COLUMNS, PHASES, LogEntry, LogProblem, TraineeLog, TraineeLogError
from .progress import Progress, RequirementResult, Status, assess

__all__ = [
    "Body", "Level", "Requirement", "PathwayDataError", "load_bodies", "load_body", "find_body", "default_folder",
    "TraineeLog", "LogEntry", "LogProblem", "TraineeLogError", "LOG_COLUMNS", "ENTRY_KINDS", "PHASES",
    "REQUIREMENT_KINDS", "Status", "RequirementResult", "Progress", "assess",
]
