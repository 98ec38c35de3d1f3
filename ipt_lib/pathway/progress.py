"""A trainee log measured against one level of a training body.

:func:`assess` lists each requirement as *met*, *missing* (with how much is still needed), *unknown* (the reference
has no confirmed number) or *self-report* (something a log cannot check, such as a licence).
"""

from __future__ import annotations

import datetime as dt
import enum
import html
import math
from dataclasses import dataclass
from typing import Iterable

from ..references import cite_ids
from .bodies import Body, Level, Requirement, find_body
from .log import Case, TraineeLog, instrument_key

__all__ = ["Status", "RequirementResult", "Progress", "assess", "quantity"]


class Status(str, enum.Enum):
    MET = "met"
    MISSING = "missing"
    UNKNOWN = "unknown"
    SELF_REPORT = "self-report"

    @property
    def mark(self) -> str:
        return {"met": "✔ met", "missing": "✘ missing", "unknown": "? unknown",
                "self-report": "✎ self-report"}[self.value]


@dataclass(frozen=True)
class RequirementResult:
    """How one requirement stands: ``have`` and ``need`` in ``unit``; ``still_needed`` when missing."""

    requirement: Requirement
    status: Status
    have: float | None = None
    need: float | None = None
    still_needed: float | None = None
    detail: str = ""

    @property
    def unit(self) -> str:
        return self.requirement.unit

    @property
    def fraction(self) -> float | None:
        """Share done, 0 to 1 (None when there is nothing to measure)."""
        if self.status is Status.MET:
            return 1.0
        if self.have is None or not self.need or self.requirement.maximum is not None:
            return 0.0 if self.status is Status.MISSING else None
        return max(0.0, min(1.0, self.have / self.need))


def _num(x: float | None) -> str:
    if x is None:
        return ""
    x = round(float(x), 2)
    return str(int(x)) if x.is_integer() else f"{x:g}"


def quantity(x: float | None, unit: str) -> str:
    if x is None:
        return ""
    if unit == "years":
        return f"{_num(x)} year{'s' if x != 1 else ''}"
    word = unit
    if x == 1 and unit.endswith("s") and unit != "hours":
        word = unit[:-1]
    elif x == 1 and unit == "hours":
        word = "hour"
    return f"{_num(x)} {word}".strip()


@dataclass(frozen=True)
class Progress:
    """A log measured against one level: one :class:`RequirementResult` per requirement, in the level's order."""

    body: Body
    level: Level
    results: tuple[RequirementResult, ...]
    as_of: dt.date
    entries: int = 0
    future_entries: int = 0

    def __iter__(self):
        return iter(self.results)

    def by_status(self, status: Status | str) -> list[RequirementResult]:
        status = Status(status)
        return [r for r in self.results if r.status is status]

    def __getitem__(self, requirement_id: str) -> RequirementResult:
        for r in self.results:
            if r.requirement.id == requirement_id:
                return r
        raise KeyError(requirement_id)

    def summary(self) -> str:
        n = {s: len(self.by_status(s)) for s in Status}
        text = (f"{self.body.name}, {self.level.name}: {n[Status.MET]} met, {n[Status.MISSING]} missing, "
                f"{n[Status.UNKNOWN]} unknown, {n[Status.SELF_REPORT]} to confirm yourself.")
        if self.future_entries:
            text += f" {self.future_entries} log entries are dated after {self.as_of.isoformat()}; check their dates."
        return text

    def frame(self):
        """One row per requirement: id, description, status, have, need, still_needed, unit, detail, sources."""
        import pandas as pd

        rows = [{"requirement": r.requirement.id, "description": r.requirement.description, "status": r.status.value,
                 "have": r.have, "need": r.need, "still_needed": r.still_needed, "unit": r.unit, "detail": r.detail,
                 "sources": cite_ids(r.requirement.sources), "kind": r.requirement.kind} for r in self.results]
        return pd.DataFrame(rows, columns=["requirement", "description", "status", "have", "need", "still_needed",
                                           "unit", "detail", "sources", "kind"]).set_index("requirement")

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for r in self.results:
            req = r.requirement
            need = ""
            if req.maximum is not None:
                need = f"within {quantity(req.maximum, 'years')}"
            elif r.need is not None:
                need = quantity(r.need, r.unit)
            have = quantity(r.have, r.unit) if r.status in (Status.MET, Status.MISSING) else ""
            still = quantity(r.still_needed, r.unit) if r.status is Status.MISSING else ""
            notes = r.detail or (req.note if req.unknown else "")
            rows.append(
                f"<tr class='ipt-path-{r.status.value}'><td>{e(req.description)}</td>"
                f"<td class='ipt-path-status'><b>{e(r.status.mark)}</b></td><td>{e(have)}</td><td>{e(need)}</td>"
                f"<td>{e(still)}</td><td>{e(notes)}</td><td>{e(cite_ids(req.sources))}</td></tr>")
        historical = "" if self.body.current and self.level.current else \
            "<p><b>Historical standard, shown for comparison only.</b></p>"
        return (f"<div class='ipt-pathway-progress'><h4>{e(self.body.name)}: {e(self.level.name)}</h4>{historical}"
                f"<p>{e(self.summary())}</p>"
                "<table class='ipt-path-table'><thead><tr><th>Requirement</th><th>Status</th><th>In your log</th>"
                "<th>Needed</th><th>Still needed</th><th>Notes</th><th>Sources</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
                f"<p><small>Numbers from {e(cite_ids(self.body.sources))} (see the course bibliography, "
                f"references.md), {e(self.body.retrieved)}; as of {self.as_of.isoformat()}. "
                "<i>unknown</i>: the reference has no confirmed number, so none is invented; "
                "<i>self-report</i>: a log cannot check it, so confirm it with the body itself. "
                "Check the body's current rules before you apply.</small></p></div>")


def assess(log: TraineeLog, body: Body | str, level: Level | str, *, today: dt.date | None = None,
           bodies: Iterable[Body] | None = None) -> Progress:
    """Compare ``log`` with every requirement of ``level`` of ``body`` (objects, or ids such as "isipt")."""
    body = find_body(body, bodies)
    level = body.level(level)
    as_of = today or dt.date.today()
    cases = log.cases()
    results = tuple(_assess_one(req, log, cases, as_of) for req in level.requirements)
    return Progress(body, level, results, as_of, entries=len(log),
                    future_entries=sum(e.date > as_of for e in log.entries))


_SUM_KINDS = {"training_hours": "training", "advanced_training_hours": "advanced_training",
              "clinical_training_hours": "clinical_training", "supervision_hours": "supervision",
              "supervision_given_hours": "supervision_given", "teaching_hours": "teaching", "recordings": "recording"}


def _counted(req: Requirement, have: float, detail: str = "") -> RequirementResult:
    need = req.minimum
    if have + 1e-9 >= need:
        return RequirementResult(req, Status.MET, have, need, None, detail)
    return RequirementResult(req, Status.MISSING, have, need, round(need - have, 6), detail)


def _assess_one(req: Requirement, log: TraineeLog, cases: dict[str, Case], as_of: dt.date) -> RequirementResult:
    if req.unknown:
        return RequirementResult(req, Status.UNKNOWN, detail=req.note)
    if req.kind == "attestation":
        noted = [e for e in log.entries if e.kind == "attestation" and e.detail.casefold() == req.id.casefold()]
        detail = (f"You noted it on {max(e.date for e in noted).isoformat()}; the body will ask for evidence."
                  if noted else "A log cannot check this: confirm it yourself.")
        return RequirementResult(req, Status.SELF_REPORT, detail=detail)
    if req.kind in _SUM_KINDS:
        return _counted(req, log.total(_SUM_KINDS[req.kind]))
    if req.kind == "clinicians_supervised":
        names = {e.detail.casefold() for e in log.entries if e.kind == "supervision_given"}
        return _counted(req, float(len(names)))
    if req.kind == "years_since":
        return _years_since(req, log, as_of)
    return _case_requirement(req, cases)


def _add_years(date: dt.date, years: float) -> dt.date:
    whole = int(years)
    try:
        moved = date.replace(year=date.year + whole)
    except ValueError:  # 29 February
        moved = date.replace(year=date.year + whole, day=28)
    return moved + dt.timedelta(days=round((years - whole) * 365.25))


def _years_since(req: Requirement, log: TraineeLog, as_of: dt.date) -> RequirementResult:
    dates = [e.date for e in log.entries if e.kind == "milestone" and e.detail == req.milestone]
    if not dates:
        logged = sorted({e.detail for e in log.entries if e.kind == "milestone"})
        also = f" (your milestones: {', '.join(logged)})" if logged else ""
        return RequirementResult(req, Status.MISSING, None, req.minimum, req.minimum,
                                 f"No milestone '{req.milestone}' in the log{also}.")
    if req.maximum is not None:
        last = max(dates)
        years = round((as_of - last).days / 365.25, 2)
        if as_of <= _add_years(last, req.maximum) and last <= as_of:
            return RequirementResult(req, Status.MET, years, None, None, f"{req.milestone} on {last.isoformat()}.")
        why = "is dated after today" if last > as_of else f"was more than {quantity(req.maximum, 'years')} ago"
        return RequirementResult(req, Status.MISSING, years, None, None,
                                 f"{req.milestone} on {last.isoformat()} {why}.")
    first = min(dates)
    reached = _add_years(first, req.minimum)
    if as_of >= reached:
        years = round((as_of - first).days / 365.25, 2)
        return RequirementResult(req, Status.MET, years, req.minimum, None, f"{req.milestone} on {first.isoformat()}.")
    # not yet: round what is done down and what is left up, so one day short never shows as "0 years still needed"
    years = math.floor((as_of - first).days / 365.25 * 100) / 100
    still = math.ceil((reached - as_of).days / 365.25 * 100) / 100
    return RequirementResult(req, Status.MISSING, max(years, 0.0), req.minimum, still,
                             f"{req.milestone} on {first.isoformat()}; reached on {reached.isoformat()}.")


def _case_failures(req: Requirement, case: Case) -> list[str]:
    why = []
    for phase in req.phases:
        if phase not in case.phases:
            why.append(f"no session in the {phase} phase")
    if req.all_sessions_recorded and case.recordings < case.sessions:
        why.append(f"{_num(case.recordings)} of {case.sessions} sessions recorded")
    if req.supervision_ratio:
        sup, per = req.supervision_ratio
        needed = round(case.session_hours * sup / per, 6)
        if case.supervision_hours + 1e-9 < needed:
            why.append(f"{_num(case.supervision_hours)} h supervision for {_num(case.session_hours)} h of therapy "
                       f"(needs {_num(needed)} h)")
    if req.min_case_supervision_hours is not None and case.supervision_hours + 1e-9 < req.min_case_supervision_hours:
        why.append(f"{_num(case.supervision_hours)} of {_num(req.min_case_supervision_hours)} h supervision")
    if req.min_case_recordings is not None and case.recordings < req.min_case_recordings:
        why.append(f"{_num(case.recordings)} of {_num(req.min_case_recordings)} recordings")
    if req.pass_score is not None:
        best = max(case.portfolio_scores, default=None)
        if best is None:
            why.append("the portfolio has no score yet")
        elif best + 1e-9 < req.pass_score:
            why.append(f"portfolio scored {best:.1f} (pass mark {req.pass_score:.1f})")
    if req.instruments:
        due = max(1, math.ceil(case.sessions / req.every_sessions))
        for name in req.instruments:
            given = case.measures.get(instrument_key(name), 0.0)
            if given < due:
                why.append(f"{name} given {_num(given)} of {due} times for {case.sessions} sessions")
    return why


def _case_requirement(req: Requirement, cases: dict[str, Case]) -> RequirementResult:
    if req.kind == "supervised_cases":
        pool = [c for c in cases.values() if c.supervised]
        unsupervised = [c.case_id for c in cases.values() if c.sessions and not c.supervised]
        empty = "no case has both sessions and supervision logged on it yet"
    else:  # portfolios, measures_given: the cases with a portfolio row
        pool = [c for c in cases.values() if c.has_portfolio]
        unsupervised = []
        empty = "no portfolio case in the log yet: add a 'portfolio' row for each portfolio case"
    good, notes = [], []
    for case in pool:
        why = _case_failures(req, case)
        if why:
            notes.append(f"{case.case_id}: {'; '.join(why)}")
        else:
            good.append(case.case_id)
    if unsupervised:
        notes.append(f"{', '.join(unsupervised)}: sessions but no supervision logged on the case")
    if not pool:
        notes.insert(0, empty)
    detail = ". ".join(([f"Counted: {', '.join(good)}"] if good else []) + notes)
    return _counted(req, float(len(good)), detail + ("." if detail else ""))
