"""Outcome measures used in IPT: severity bands, response, remission and treatment phase.

Every cut-off here is cited to its source (author-year, listed in the course bibliography,
notebooks/references.md), so a reader can check it.  Scores are validated: a score outside the scale's
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
    "ItemReading", "read_phq9", "read_gad7", "read_epds", "epds_band", "risk_review_needed", "EPDS_REVERSED",
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
    """One rating scale as the course teaches it (Frank et al., 1991; Kroenke et al., 2001; ICSI, n.d.)."""

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
    sources="(Kroenke et al., 2001; ICSI, n.d.; Psychiatric Services report, n.d.)",
    notes=("A total of 10 or more detected major depression with 88% sensitivity and 88% specificity "
           "(Kroenke 2001) (Kroenke et al., 2001).",
           "Studies define response and remission differently: one practice study counted response as a "
           "PHQ-9 below 10; the original paper's 'clinically significant change' was ending at 9 or less plus "
           "a 50% improvement (Psychiatric Services report, 2011; PHQ-9 outcome definitions abstract, n.d.)."),
)

HAMD17 = Scale(
    name="HAM-D-17", items=17, low=0, high=52,
    bands=(),
    remission="7 or less (1991 consensus, Frank et al.; not derived empirically)",
    sources="(Frank et al., 1991; Zimmerman et al., 2011; McIntyre et al., 2002; ICSI, n.d.)",
    notes=("The reference gives no severity bands for the HAM-D-17, only cut-offs used in trials: remission at "
           "7 or less (Frank et al., 1991); TDCRP entry at 14 or more and its severe subgroup at 20 or more (Elkin et al., 1989); "
           "recovery at 6 or less in O'Hara 2000 and Mufson 1999 (O'Hara et al., 2000; Mufson et al., 1999).",
           "Zimmerman et al. (2011) suggest 0-2 means 'highly likely remitted' (Zimmerman et al., 2011)."),
)

BDI2 = Scale(
    name="BDI-II", items=21, low=0, high=63,
    bands=(Band("minimal", 0, 13), Band("mild", 14, 19), Band("moderate", 20, 28), Band("severe", 29, 63)),
    remission="",
    sources="(Beck et al., 1996)",
    notes=("The bands 0-9 / 10-18 / 19-29 / 30-63 belong to the ORIGINAL BDI; some reports apply them to the "
           "BDI-II by mistake (Beck et al., 1996).",
           "O'Hara 2000 counted recovery as BDI 9 or less (O'Hara et al., 2000); the reference gives no BDI-II remission "
           "cut-off."),
)

GAD7 = Scale(
    name="GAD-7", items=7, low=0, high=21,
    bands=(Band("minimal", 0, 4), Band("mild", 5, 9), Band("moderate", 10, 14), Band("severe", 15, 21)),
    remission="",
    sources="(Spitzer et al., 2006)",
    notes=("A total of 10 or more best balanced sensitivity (89%) and specificity (82%) for generalised anxiety "
           "disorder (Spitzer 2006); at 10 or more it also screens panic disorder, social anxiety disorder and "
           "PTSD, less well (Spitzer et al., 2006).",
           "The GAD-7 has no self-harm item, and the reference gives no GAD-7 remission cut-off."),
)

SCALES: dict[str, Scale] = {s.name: s for s in (PHQ9, HAMD17, BDI2, GAD7)}

_ALIASES = {
    "phq9": "PHQ-9", "phq": "PHQ-9",
    "hamd17": "HAM-D-17", "hamd": "HAM-D-17", "hrsd": "HAM-D-17", "hrsd17": "HAM-D-17", "hdrs": "HAM-D-17",
    "hdrs17": "HAM-D-17", "ham17": "HAM-D-17",
    "bdiii": "BDI-II", "bdi2": "BDI-II",
    "gad7": "GAD-7", "gad": "GAD-7",
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
            "gives the BDI-II bands (0-13 minimal, 14-19 mild, 20-28 moderate, 29-63 severe; Beck et al., 1996). If your "
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
        raise MeasureError(f"{value} is outside the {s.name} range ({s.low}-{s.high}) {s.sources}. Check the data "
                           "entry or the scale.")
    return value


def _is_na(value: object) -> bool:
    # pandas.NA and NaT without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")


def severity(name: object, score: object) -> str:
    """The severity band of ``score`` on scale ``name`` (PHQ-9, BDI-II or GAD-7), as the reference gives it."""
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
    """Response: a reduction of 50% or more from baseline (ICSI's "50% or greater"; ICSI, n.d.)."""
    b, v = _pair(baseline, score, name)
    return 2 * v <= b  # exact integer form of "at least 50% lower"


def _pair(baseline: object, score: object, name: object) -> tuple[int, int]:
    s = scale(name)
    b, v = check_score(s, baseline), check_score(s, score)
    if b == 0:
        percent_change(b, v, s)  # raises the explanation
    return b, v


def is_partial_response(baseline: object, score: object, name: object = "PHQ-9") -> bool:
    """Partial response: a 25-50% reduction (ICSI, n.d.); 50% itself counts as response."""
    b, v = _pair(baseline, score, name)
    return 2 * v > b and 4 * v <= 3 * b


def is_remission(name: object, score: object) -> bool:
    """Remission: PHQ-9 below 5 (ICSI, n.d.); HAM-D-17 at 7 or less (Frank et al., 1991)."""
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
    """How a source divides a course of IPT into initial, middle and ending phases (Weissman et al., 2018; Stuart & Robertson, 2012; IPT UK, n.d.-b)."""

    name: str
    initial_last: int      # last session of the initial phase
    ending_sessions: int   # the last N sessions of the course are the ending phase (0: see middle_last)
    middle_last: int       # last middle session when the source gives a fixed number (0: use ending_sessions)
    source: str
    course_length: int = 0  # the only course length the source's numbers are given for (0: any)


PHASE_SCHEMES: dict[str, PhaseScheme] = {
    # Once called "guide"; its numbers are not the 2018 Guide's, which says only "a few" sessions (Weissman et al., 2018; Stuart & Robertson, 2012; IPT UK, n.d.-b).
    "focus-2006": PhaseScheme("focus-2006", initial_last=3, ending_sessions=3, middle_last=0,
                              source="initial phase sessions 1-3: the Focus 2006 review (no more than 3), "
                                     "Markowitz (1-3) and Stuart & Robertson 2012 (1-3) (Focus review, 2006; Markowitz, 2016; Stuart & Robertson, 2012); "
                                     "ending = the last 3 sessions, as in a worked example (IPT book chapters, n.d.) (Stuart & "
                                     "Robertson give 1-2)"),
    "ipt-uk": PhaseScheme("ipt-uk", initial_last=4, ending_sessions=0, middle_last=12,
                          source="IPT UK: initial 1-4, middle 5-12, then the final phase; IPT UK, n.d.-b",
                          course_length=16),
}


def phase_of_session(session: object, planned_sessions: int = 16, scheme: str = "focus-2006") -> str:
    """'initial', 'middle' or 'ending' for a session of a course of ``planned_sessions`` (ISIPT, n.d.-b; Weissman et al., 2018; Weissman & Klerman, 1990).

    Sources differ on session numbers (Weissman et al., 2018; Stuart & Robertson, 2012; IPT UK, n.d.-b): the default "focus-2006" scheme takes sessions 1-3 as the
    initial phase (the Focus 2006 review; Stuart & Robertson) and the last 3 as the ending; "ipt-uk" takes
    1-4, 5-12 and 13 onwards. The 2018 Guide gives no numbers ("a few" sessions), so no scheme is named after it.
    """
    key = str(scheme).lower().replace("_", "-").replace(" ", "-")
    if key == "guide":
        raise MeasureError("The phase scheme 'guide' is now called 'focus-2006': its numbers (initial sessions 1-3, "
                           "ending the last 3) come from the Focus 2006 review and Stuart & Robertson, not from the "
                           "2018 Guide, which says only 'a few' sessions (Weissman et al., 2018; Stuart & Robertson, 2012; IPT UK, n.d.-b). Use scheme='focus-2006' "
                           "(or 'ipt-uk').")
    chosen = PHASE_SCHEMES.get(key)
    if chosen is None:
        raise MeasureError(f"{scheme!r} is not a phase scheme. Use one of: {', '.join(PHASE_SCHEMES)}.")
    if isinstance(planned_sessions, bool) or not isinstance(planned_sessions, int) or planned_sessions < 1:
        raise MeasureError(f"planned_sessions must be a whole number of sessions, not {planned_sessions!r}.")
    if isinstance(session, bool) or not isinstance(session, (int, float)) or session != int(session):
        raise MeasureError(f"{session!r} is not a session number: sessions are counted 1, 2, 3, ...")
    number = int(session)
    if chosen.course_length and planned_sessions != chosen.course_length:
        raise MeasureError(f"The {chosen.name} scheme gives session numbers for a {chosen.course_length}-session "
                           f"course only ({chosen.source}); for {planned_sessions} sessions use scheme='focus-2006'.")
    if not 1 <= number <= planned_sessions:
        raise MeasureError(f"Session {number} is outside a course of {planned_sessions} sessions (1-{planned_sessions}).")
    if number <= chosen.initial_last:
        return "initial"
    if chosen.middle_last:
        return "middle" if number <= chosen.middle_last else "ending"
    return "ending" if number > planned_sessions - chosen.ending_sessions else "middle"


def phase_bounds(planned_sessions: int = 16, scheme: str = "focus-2006") -> dict[str, tuple[int, int]]:
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


# --- item-level reading (PHQ-9, GAD-7, EPDS) ----------------------------------------------------------

@dataclass(frozen=True)
class ItemReading:
    """What a clinician reads from one completed questionnaire: the total, its band, and the safety item.

    ``risk_review`` is True when the self-harm item (PHQ-9 item 9, EPDS item 10) scores above 0, WHATEVER the
    total: a low total with a positive self-harm item still needs a risk review (Simon et al., 2013; Cox et al., 1987; Simon et al., 2016).
    """

    scale: str
    items: tuple[int, ...]   # item scores, 0-3 each, in questionnaire order (EPDS: after reverse scoring)
    total: int
    band: str
    safety_item: int | None  # the number of the self-harm item (9 on the PHQ-9, 10 on the EPDS), None for the GAD-7
    risk_review: bool
    advice: str

    def __str__(self) -> str:
        lines = [f"{self.scale} total {self.total} ({self.band})."]
        if self.safety_item is not None:
            lines.append(f"Item {self.safety_item} = {self.items[self.safety_item - 1]}: {self.advice}")
        return " ".join(lines)


# EPDS items scored in reverse on the printed form (Cox et al., 1987; NCCMH, n.d.), counted from 1.
EPDS_REVERSED = (3, 5, 6, 7, 8, 9, 10)

_PHQ9_RISK = ("Item 9 (thoughts of being better off dead or of self-harm) is above 0, so a risk review is needed "
              "whatever the total: ask directly, assess further (for example with the C-SSRS), make or update a "
              "safety plan with the client and tell your supervisor the same day (Simon et al., 2013; Posner et al., 2011; Stanley & Brown, 2012).")
_PHQ9_CLEAR = ("Item 9 is 0 ('not at all'). That does NOT rule risk out: in VA data 71.6% of suicides were in "
               "patients whose most recent item 9 was 'not at all' (Louzon et al., 2016; Uebelacker et al., 2011). Ask about suicidal thoughts "
               "anyway if other risk factors are present.")
_EPDS_RISK = ("Item 10 (thoughts of self-harm) is above 0: any score above 0 on item 10 should always prompt "
              "further assessment, whatever the total (Cox et al., 1987; Cox & Holden, 2003). Assess in this contact and tell your "
              "supervisor the same day (the course's rule; Simon et al., 2013; Stanley & Brown, 2012; Dua et al., 2011).")
_EPDS_CLEAR = ("Item 10 is 0. A 0 on a self-harm item does not rule risk out (Louzon et al., 2016; Uebelacker et al., 2011). If you suspect postpartum "
               "psychosis (onset usually sudden, most often in the first 2 weeks after birth), that is an "
               "emergency: same-day psychiatric referral (Cox et al., 1987; Cox & Holden, 2003).")


def _item_scores(name: str, items: object, count: int) -> tuple[int, ...]:
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        hint = " That looks like a total: these helpers need the item scores." if isinstance(items, (int, float)) else ""
        raise MeasureError(f"Give the {name} as a list of {count} item scores, one per item in order, for example "
                           f"[{', '.join(['0'] * count)}]; got {items!r}.{hint}")
    values = list(items)
    if len(values) != count:
        hint = " Did you pass the total instead of the items?" if len(values) == 1 else ""
        raise MeasureError(f"The {name} has {count} items, but {len(values)} item score(s) were given.{hint} Give "
                           f"one score per item, in questionnaire order.")
    checked = []
    for number, value in enumerate(values, 1):
        if value is None or _is_na(value) or (isinstance(value, float) and math.isnan(value)):
            raise MeasureError(f"{name} item {number} is missing. A questionnaire with a missing item has no valid "
                               "total; ask the client to complete it rather than counting the gap as 0.")
        numeric = not isinstance(value, bool) and (isinstance(value, (int, float)) or hasattr(value, "__index__"))
        if not numeric or float(value) != int(value) or not 0 <= int(value) <= 3:
            scale_words = ("" if name == "EPDS" else
                           " ('not at all' = 0, 'several days' = 1, 'more than half the days' = 2, "
                           "'nearly every day' = 3)")
            raise MeasureError(f"{name} item {number} is {value!r}, but each item is scored as a whole number from "
                               f"0 to 3{scale_words}.")
        checked.append(int(value))
    return tuple(checked)


def read_phq9(items: object) -> ItemReading:
    """Total, band and item 9 of a PHQ-9 given as 9 item scores (0-3 each, in order; Kroenke et al., 2001; Simon et al., 2013; Simon et al., 2016).

    >>> r = read_phq9([1, 1, 1, 1, 1, 0, 0, 0, 1])
    >>> r.total, r.band, r.risk_review
    (6, 'mild', True)
    """
    scores = _item_scores("PHQ-9", items, 9)
    total = sum(scores)
    positive = scores[8] > 0
    return ItemReading("PHQ-9", scores, total, PHQ9.band(total), 9, positive, _PHQ9_RISK if positive else _PHQ9_CLEAR)


def read_gad7(items: object) -> ItemReading:
    """Total and band of a GAD-7 given as 7 item scores (0-3 each; Spitzer et al., 2006). The GAD-7 has no self-harm item."""
    scores = _item_scores("GAD-7", items, 7)
    total = sum(scores)
    return ItemReading("GAD-7", scores, total, GAD7.band(total), None, False,
                       "The GAD-7 has no self-harm item: it says nothing about suicide risk.")


def epds_band(total: int) -> str:
    """Where an EPDS total falls against the cut-offs the reference gives (Cox et al., 1987; Cox & Holden, 2003); local validations differ."""
    if total >= 13:
        return "13 or more: assess for possible depression"
    if total >= 10:
        return "10-12: above the cut-off used when greater sensitivity is wanted"
    return "below 10"


def read_epds(items: object, *, positions: bool = False) -> ItemReading:
    """Total, cut-off and item 10 of an EPDS given as 10 item SCORES (0-3 each, in order; Cox et al., 1987; Cox & Holden, 2003).

    By default each value is the item's score, as written on a scored form: items 3 and 5-10 already reversed.
    If you have the answers as ticked, counted by position (0 = the first answer printed, 3 = the last), pass
    ``positions=True``: items 3 and 5-10 are then reverse-scored (score = 3 - position) and items 1, 2 and 4 kept.
    ``items`` in the result are always the scores.

    >>> read_epds([0, 0, 1, 0, 1, 0, 0, 0, 0, 1]).risk_review
    True
    >>> read_epds([0, 0, 3, 0, 3, 3, 3, 3, 3, 3], positions=True).total   # best answer ticked on every item
    0
    """
    given = _item_scores("EPDS", items, 10)
    scores = tuple(3 - v if positions and number in EPDS_REVERSED else v for number, v in enumerate(given, 1))
    total = sum(scores)
    positive = scores[9] > 0
    return ItemReading("EPDS", scores, total, epds_band(total), 10, positive, _EPDS_RISK if positive else _EPDS_CLEAR)


def risk_review_needed(name: object, items: object) -> bool:
    """True when the questionnaire's self-harm item is above 0 (PHQ-9 item 9, EPDS item 10), whatever the total."""
    readers = {"PHQ-9": read_phq9, "GAD-7": read_gad7, "EPDS": read_epds}
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    chosen = {"phq9": "PHQ-9", "phq": "PHQ-9", "gad7": "GAD-7", "epds": "EPDS"}.get(key)
    if chosen is None:
        raise MeasureError(f"{name!r} is not a questionnaire read item by item here. Use one of: "
                           f"{', '.join(readers)}.")
    return readers[chosen](items).risk_review
