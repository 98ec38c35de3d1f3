"""The synthetic IPT caseload (data/cohort/) as two pandas tables, for the lessons.

>>> clients, scores = load_cohort()      # doctest: +SKIP

The files are synthetic teaching data made by ipt_lib/course/cohort.py; see data/cohort/README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import StudentFacingError

__all__ = ["load_cohort", "load_phq9_items", "CohortNotFound"]


COURSE_DATA = Path(__file__).resolve().parents[1] / "data" / "cohort"  # in a clone of the course repository
PACKAGED = Path(__file__).resolve().parent / "_data" / "cohort"           # copied by `ipt-course build`


class CohortNotFound(StudentFacingError):
    title = "Course data not found"


def cohort_folder(folder: str | Path | None = None) -> Path:
    """Where clients.csv and scores.csv are: ``folder``, $IPT_COHORT_DIR, or the course's data/cohort."""
    candidates = [Path(folder)] if folder else []
    if os.environ.get("IPT_COHORT_DIR"):
        candidates.append(Path(os.environ["IPT_COHORT_DIR"]))
    candidates += [Path.cwd(), COURSE_DATA, PACKAGED]
    for candidate in candidates:
        if (candidate / "clients.csv").is_file() and (candidate / "scores.csv").is_file():
            return candidate
    raise CohortNotFound("clients.csv and scores.csv were not found (looked in: "
                         + ", ".join(str(c) for c in candidates) + "). Open this notebook from the course folder, "
                         "or set IPT_COHORT_DIR to the folder that holds them.")


def load_cohort(folder: str | Path | None = None):
    """(clients, scores) DataFrames with dates parsed. ``folder`` defaults to the course's data/cohort."""
    import pandas as pd

    where = cohort_folder(folder)
    clients = pd.read_csv(where / "clients.csv", parse_dates=["intake_date", "event_date", "onset_date"])
    scores = pd.read_csv(where / "scores.csv", parse_dates=["date"])
    return clients, scores


def load_phq9_items(folder: str | Path | None = None):
    """The item-level PHQ-9 (phq9_items.csv) as a DataFrame: client_id, session, phq9_1 ... phq9_9.

    Read only when asked (``load_cohort`` does not read it). Join it to ``scores`` on client_id and session for
    the total and the date; the items always add up to the total.
    """
    import pandas as pd

    where = cohort_folder(folder)
    path = where / "phq9_items.csv"
    if not path.is_file():
        raise CohortNotFound(f"phq9_items.csv is not in {where} beside clients.csv and scores.csv. Copy it from "
                             "the course's data/cohort folder, or rebuild the cohort with `ipt-course cohort`.")
    return pd.read_csv(path)
