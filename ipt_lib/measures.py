"""Outcome measures used in IPT: severity bands, response, remission and treatment phase.

Every cut-off here is copied from shared/ipt-reference.md (section and source ids in
brackets), so a reader can check it.  Scores are validated: a score outside the scale's
range, a fractional total or a missing value raises :class:`MeasureError` with a message
written for a student, never a silent miscount.

>>> severity("PHQ-9", 9)
'mild'
>>> severity("PHQ-9", 10)
'moderate'
>>> is_response(baseline=18, score=9)
True
>>> is_remission("HAM-D-17", 7)
True
>>> phase_of_session(14, planned_sessions=16)
'ending'

pandas is imported only by the ``*_series`` helpers, matplotlib only by the plots.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import StudentFacingError

__all__ = [
    "MeasureError", "Scale", "SCALES", "scale", "severity", "check_score", "percent_change",
    "is_response", "is_partial_response", "is_remission", "phase_of_session", "PHASE_SCHEMES",
    "severity_series", "response_series", "remission_series",
]


class MeasureError(StudentFacingError):
    """A score, scale name or session number that cannot be used as given."""

    title = "Check the score"


@dataclass(frozen=True)
class Band:
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class Scale:
    """One rating scale as the course teaches it (ref §6)."""

    name: str
    items: int
    low: int
    high: int
    bands: tuple[Band, ...]
    remission: str  # human description, "" when the reference gives no remission cut-off
    sources: str
    notes: tuple[str, ...] = ()

    def band(self, score: int) -> str:
        for band in self.bands:
            if band.low <= score <= band.high:
                return band.label
        raise AssertionError("bands cover the whole range")  # pragma: no cover - checked in tests


PHQ9 = Scale(
    name="PHQ-9", items=9, low=0, high=27,
    bands=(Band("none-minimal", 0, 4), Band("mild", 5, 9), Band("moderate", 10, 14),
           Band("moderately severe", 15, 19), Band("severe", 20, 27)),
    remission="below 5 (ICSI, citing Kroenke 2001)",
    sources="ref §6.2 [P: S62; S: S63, S64]",
    notes=("A total of 10 or more detected major depression with 88% sensitivity and 88% specificity "
           "(Kroenke 2001) [P: S62].",
           "Studies define response and remission differently: one practice study counted response as a "
           "PHQ-9 below 10; the original paper's 'clinically significant change' was ending at 9 or less plus "
           "a 50% improvement [P: S73, S74]."),
)

HAMD17 = Scale(
    name="HAM-D-17", items=17, low=0, high=52,
    bands=(),
    remission="7 or less (1991 consensus, Frank et al.; not derived empirically)",
    sources="ref §6.1 [P: S67, S66, S65; S: S63, S68, S77]",
    notes=("The reference gives no severity bands for the HAM-D-17, only cut-offs used in trials: remission at "
           "7 or less [P: S67]; TDCRP entry at 14 or more and its severe subgroup at 20 or more [S: S77]; "
           "recovery at 6 or less in O'Hara 2000 and Mufson 1999 [P: S23, S18].",
           "Zimmerman (2011) suggests 0-2 means 'highly likely remitted' [P: S66]."),
)

BDI2 = Scale(
    name="BDI-II", items=21, low=0, high=63,
    bands=(Band("minimal", 0, 13), Band("mild", 14, 19), Band("moderate", 20, 28), Band("severe", 29, 63)),
    remission="",
    sources="ref §6.3 [S: S69]",
    notes=("The bands 0-9 / 10-18 / 19-29 / 30-63 belong to the ORIGINAL BDI; some reports apply them to the "
           "BDI-II by mistake [W: S69].",
           "O'Hara 2000 counted recovery as BDI 9 or less [P: S23]; the reference gives no BDI-II remission "
           "cut-off."),
)

SCALES: dict[str, Scale] = {s.name: s for s in (PHQ9, HAMD17, BDI2)}

_ALIASES = {
    "phq9": "PHQ-9", "phq": "PHQ-9",
    "hamd17": "HAM-D-17", "hamd": "HAM-D-17", "hrsd": "HAM-D-17", "hrsd17": "HAM-D-17", "hdrs": "HAM-D-17",
    "hdrs17": "HAM-D-17", "ham17": "HAM-D-17",
    "bdiii": "BDI-II", "bdi2": "BDI-II",
}


def scale(name: object) -> Scale:
    """The :class:`Scale` called ``name`` ("PHQ-9", "phq9", "HAM-D", "HRSD", "BDI-II", ...)."""
    if isinstance(name, Scale):
        return name
    if not isinstance(name, str) or not name.strip():
        raise MeasureError(f"{name!r} is not the name of a scale. Use one of: {', '.join(SCALES)}.")
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if key in ("bdi", "bdi1", "bdii1"):
        raise MeasureError(
            f"{name!r} is ambiguous: the original BDI (1961) and the BDI-II (1996) use different bands. The course "
            "gives the BDI-II bands (0-13 minimal, 14-19 mild, 20-28 moderate, 29-63 severe; ref §6.3). If your "
            "scores are BDI-II, write 'BDI-II'. The bands 0-9 / 10-18 / 19-29 / 30-63 belong to the original BDI.")
    found = _ALIASES.get(key)
    if found is None:
        raise MeasureError(f"{name!r} is not a scale the course knows. Use one of: {', '.join(SCALES)}.")
    return SCALES[found]


def check_score(name: object, score: object) -> int:
    """``score`` as an int after checking it is a whole number inside the scale's range."""
    s = scale(name)
    if score is None or (isinstance(score, float) and math.isnan(score)) or _is_na(score):
        raise MeasureError(
            f"A {s.name} score is missing. Decide what a missing score means before counting it (drop the row, "
            "or use the last score you have and say so); the helpers never guess.")
    if isinstance(score, bool) or not isinstance(score, (int, float)) and not hasattr(score, "__index__"):
        raise MeasureError(f"{score!r} is not a {s.name} score: a score is a whole number from {s.low} to {s.high}.")
    value = float(score)
    if value != int(value):
        raise MeasureError(f"{score!r} is not a {s.name} total: totals are whole numbers ({s.items} items, each "
                           "scored as a whole number). Did you average item scores?")
    value = int(value)
    if not s.low <= value <= s.high:
        raise MeasureError(f"{value} is outside the {s.name} range ({s.low}-{s.high}, {s.sources}). Check the data "
                           "entry or the scale.")
    return value


def _is_na(value: object) -> bool:
    # pandas.NA and NaT without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")


def severity(name: object, score: object) -> str:
    """The severity band of ``score`` on scale ``name`` (PHQ-9 or BDI-II), as the reference gives it."""
    s = scale(name)
    value = check_score(s, score)
    if not s.bands:
        raise MeasureError(s.notes[0])
    return s.band(value)


def percent_change(baseline: object, score: object, name: object = "PHQ-9") -> float:
    """Change from baseline in percent (negative = improvement): (score - baseline) / baseline * 100."""
    s = scale(name)
    b, v = check_score(s, baseline), check_score(s, score)
    if b == 0:
        raise MeasureError(f"A baseline {s.name} of 0 leaves no room to improve, so a percentage change is not "
                           "defined. Leave this client out of response counts and say so.")
    return (v - b) / b * 100.0


def is_response(baseline: object, score: object, name: object = "PHQ-9") -> bool:
    """Response: a reduction of 50% or more from baseline (ICSI's "50% or greater"; ref §6.1-6.2 [S: S63])."""
    b, v = _pair(baseline, score, name)
    return 2 * v <= b  # exact integer form of "at least 50% lower"


def _pair(baseline: object, score: object, name: object) -> tuple[int, int]:
    s = scale(name)
    b, v = check_score(s, baseline), check_score(s, score)
    if b == 0:
        percent_change(b, v, s)  # raises the explanation
    return b, v


def is_partial_response(baseline: object, score: object, name: object = "PHQ-9") -> bool:
    """Partial response: a 25-50% reduction (ICSI; ref §6.1 [S: S63]); 50% itself counts as response."""
    b, v = _pair(baseline, score, name)
    return 2 * v > b and 4 * v <= 3 * b


def is_remission(name: object, score: object) -> bool:
    """Remission: PHQ-9 below 5 (ref §6.2 [S: S63]); HAM-D-17 at 7 or less (ref §6.1 [P: S67])."""
    s = scale(name)
    value = check_score(s, score)
    if s is PHQ9:
        return value < 5
    if s is HAMD17:
        return value <= 7
    raise MeasureError(f"The course reference gives no remission cut-off for the {s.name}. " + s.notes[-1])


# --- phases of treatment ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PhaseScheme:
    """How a source divides a course of IPT into initial, middle and ending phases (ref §2.2)."""

    name: str
    initial_last: int      # last session of the initial phase
    ending_sessions: int   # the last N sessions of the course are the ending phase (0: see middle_last)
    middle_last: int       # last middle session when the source gives a fixed number (0: use ending_sessions)
    source: str
    course_length: int = 0  # the only course length the source's numbers are given for (0: any)


PHASE_SCHEMES: dict[str, PhaseScheme] = {
    "guide": PhaseScheme("guide", initial_last=3, ending_sessions=3, middle_last=0,
                         source="initial phase no more than 3 sessions (Focus 2006 review; Markowitz: sessions 1-3) "
                                "[P: S50, S53]; a worked example ran the last ~3 sessions as the ending [S: S57]"),
    "ipt-uk": PhaseScheme("ipt-uk", initial_last=4, ending_sessions=0, middle_last=12,
                          source="IPT UK: initial 1-4, middle 5-12, final phase after [P: S44]",
                          course_length=16),
}


def phase_of_session(session: object, planned_sessions: int = 16, scheme: str = "guide") -> str:
    """'initial', 'middle' or 'ending' for a session of a course of ``planned_sessions`` (ref §2.1-2.2).

    Sources differ on session numbers (ref §2.2): the default "guide" scheme takes sessions 1-3 as the
    initial phase and the last 3 as the ending; "ipt-uk" takes 1-4, 5-12 and 13 onwards.
    """
    chosen = PHASE_SCHEMES.get(str(scheme).lower().replace("_", "-").replace(" ", "-"))
    if chosen is None:
        raise MeasureError(f"{scheme!r} is not a phase scheme. Use one of: {', '.join(PHASE_SCHEMES)}.")
    if isinstance(planned_sessions, bool) or not isinstance(planned_sessions, int) or planned_sessions < 1:
        raise MeasureError(f"planned_sessions must be a whole number of sessions, not {planned_sessions!r}.")
    if isinstance(session, bool) or not isinstance(session, (int, float)) or session != int(session):
        raise MeasureError(f"{session!r} is not a session number: sessions are counted 1, 2, 3, ...")
    number = int(session)
    if chosen.course_length and planned_sessions != chosen.course_length:
        raise MeasureError(f"The {chosen.name} scheme gives session numbers for a {chosen.course_length}-session "
                           f"course only ({chosen.source}); for {planned_sessions} sessions use scheme='guide'.")
    if not 1 <= number <= planned_sessions:
        raise MeasureError(f"Session {number} is outside a course of {planned_sessions} sessions (1-{planned_sessions}).")
    if number <= chosen.initial_last:
        return "initial"
    if chosen.middle_last:
        return "middle" if number <= chosen.middle_last else "ending"
    return "ending" if number > planned_sessions - chosen.ending_sessions else "middle"


def phase_bounds(planned_sessions: int = 16, scheme: str = "guide") -> dict[str, tuple[int, int]]:
    """First and last session of each phase that occurs in a course of ``planned_sessions``."""
    bounds: dict[str, tuple[int, int]] = {}
    for session in range(1, planned_sessions + 1):
        phase = phase_of_session(session, planned_sessions, scheme)
        first, _ = bounds.get(phase, (session, session))
        bounds[phase] = (first, session)
    return bounds


# --- whole columns (pandas) -------------------------------------------------------------------------

def _checked_series(scores, name, missing: str):
    import pandas as pd

    s = scale(name)
    series = pd.Series(scores)
    if missing not in ("raise", "keep"):
        raise MeasureError(f"missing must be 'raise' or 'keep', not {missing!r}.")
    na = series.isna()
    if na.any() and missing == "raise":
        where = ", ".join(str(i) for i in series.index[na][:5])
        raise MeasureError(f"{int(na.sum())} {s.name} score(s) are missing (index {where}). Drop them first, or pass "
                           "missing='keep' to carry them through as missing; they are never counted as 0.")
    for index, value in series[~na].items():
        try:
            check_score(s, value)
        except MeasureError as exc:
            raise MeasureError(f"Row {index}: {exc}") from None
    return s, series, na


def severity_series(scores, name: object = "PHQ-9", missing: str = "raise"):
    """The severity band of every score in a column, as an ordered categorical (missing stays missing)."""
    import pandas as pd

    s, series, na = _checked_series(scores, name, missing)
    if not s.bands:
        raise MeasureError(s.notes[0])
    labels = [b.label for b in s.bands]
    values = [None if is_na else s.band(int(v)) for v, is_na in zip(series, na)]
    return pd.Series(pd.Categorical(values, categories=labels, ordered=True), index=series.index, name="severity")


def response_series(baseline, final, name: object = "PHQ-9", missing: str = "raise"):
    """True where ``final`` is at least 50% below ``baseline``; missing in either stays missing (pd.NA)."""
    import pandas as pd

    s, b, b_na = _checked_series(baseline, name, missing)
    _, f, f_na = _checked_series(final, name, missing)
    if len(b) != len(f):
        raise MeasureError(f"baseline has {len(b)} scores but final has {len(f)}: they must pair up row by row.")
    out = []
    for bv, fv, bn, fn in zip(b, f, b_na, f_na):
        out.append(pd.NA if (bn or fn) else is_response(bv, fv, s))
    return pd.Series(out, index=b.index, dtype="boolean", name="response")


def remission_series(scores, name: object = "PHQ-9", missing: str = "raise"):
    """True where a score meets the scale's remission cut-off; missing stays missing (pd.NA)."""
    import pandas as pd

    s, series, na = _checked_series(scores, name, missing)
    out = [pd.NA if n else is_remission(s, v) for v, n in zip(series, na)]
    return pd.Series(out, index=series.index, dtype="boolean", name="remission")
