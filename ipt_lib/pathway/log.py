"""The trainee log: a CSV file the trainee owns and may edit in a spreadsheet, one :class:`LogEntry` per row.

Its columns are ``date, kind, amount, case_id, phase, detail, note`` (``note`` may be left out); what ``amount``,
``case_id``, ``phase`` and ``detail`` mean for each kind is in :data:`ENTRY_KINDS` and data/training/README.md.
Bad rows are reported together, each by its row number (the header is row 1, as in a spreadsheet) and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import StudentFacingError

__all__ = ["TraineeLog", "LogEntry", "LogProblem", "TraineeLogError", "LOG_COLUMNS", "ENTRY_KINDS", "PHASES",
           "Case", "instrument_key", "milestone_name"]

PHASES = ("initial", "middle", "ending")
_PHASE_ALIASES = {
    "initial": "initial", "early": "initial", "beginning": "initial", "assessment": "initial",
    "middle": "middle", "mid": "middle",
    "ending": "ending", "end": "ending", "late": "ending", "final": "ending", "termination": "ending",
    "concluding": "ending", "conclusion": "ending",
}

def milestone_name(text: str) -> str:
    return re.sub(r"[\s_]+", "-", str(text).strip().casefold())


LOG_COLUMNS = ("date", "kind", "amount", "case_id", "phase", "detail", "note")
_REQUIRED_COLUMNS = LOG_COLUMNS[:6]
MAX_SESSION_HOURS = 4  # a longer single session is almost always minutes typed as hours


@dataclass(frozen=True)
class _EntryKind:
    amount: str     # "hours", "count" (blank = 1), "score" (1-5 or blank), "none" (must be blank)
    case: str       # "required", "optional", "no"
    phase: str      # "required", "optional", "no"
    detail: str     # "" (optional free text) or what it must name (then required)
    meaning: str


ENTRY_KINDS: dict[str, _EntryKind] = {
    "training": _EntryKind("hours", "no", "no", "", "hours of introductory / foundational IPT training attended"),
    "advanced_training": _EntryKind("hours", "no", "no", "", "hours of booster, advanced or CPD IPT training"),
    "clinical_training": _EntryKind("hours", "no", "no", "", "hours of supervised training in delivering therapy "
                                                             "(any model)"),
    "supervision": _EntryKind("hours", "optional", "optional", "", "hours of IPT supervision or consultation "
                                                                    "received (give case_id when it was on a case)"),
    "session": _EntryKind("hours", "required", "required", "", "one IPT session you gave: its length in hours"),
    "recording": _EntryKind("count", "required", "optional", "", "recordings of sessions (blank amount = 1)"),
    "measure": _EntryKind("count", "required", "optional", "the instrument, e.g. PHQ-9",
                          "an outcome measure given (blank amount = 1)"),
    "portfolio": _EntryKind("score", "required", "no", "", "a portfolio on a case; amount = its average score on "
                                                           "the 1-5 IPT Quality and Adherence Scale, if known"),
    "supervision_given": _EntryKind("hours", "no", "no", "the supervisee's alias",
                                    "hours of IPT supervision you gave to a clinician"),
    "teaching": _EntryKind("hours", "no", "no", "", "hours of IPT teaching you gave"),
    "milestone": _EntryKind("none", "no", "no", "the milestone, e.g. isipt-therapist",
                            "a dated milestone such as a course completed or a certification"),
    "attestation": _EntryKind("none", "no", "no", "the requirement id, e.g. letter",
                              "your own note that a self-report requirement is done"),
}
_COUNT_WORDS = {"recording": "recordings", "measure": "measures given"}


@dataclass(frozen=True)
class LogEntry:
    """One row of the trainee log, cleaned: ``amount`` is a float (or None), ``phase`` one of :data:`PHASES`."""

    date: dt.date
    kind: str
    amount: float | None = None
    case_id: str = ""
    phase: str = ""
    detail: str = ""
    note: str = ""

    def row(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "kind": self.kind, "amount": _fmt(self.amount),
                "case_id": self.case_id, "phase": self.phase, "detail": self.detail, "note": self.note}


@dataclass(frozen=True)
class LogProblem:
    """A bad cell or row: ``row`` is the spreadsheet row (header = 1; 0 = the whole file; None = a new entry)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [] if self.row is None else ["the file" if self.row == 0 else f"row {self.row}"]
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class TraineeLogError(StudentFacingError):
    """The log has bad rows. ``problems`` lists every one (row and column), not just the first."""

    title = "Check the trainee log"

    def __init__(self, problems: Sequence[LogProblem], source: str = "the trainee log", footer: str | None = None):
        self.problems = list(problems)
        self.source = source
        n = len(self.problems)
        lines = [f"{source} has {n} problem{'s' if n != 1 else ''}:"]
        lines += [f"- {p}" for p in self.problems[:30]]
        if n > 30:
            lines.append(f"- ... and {n - 30} more")
        lines.append(footer or "Nothing was changed. Fix these rows (the header is row 1, as in a spreadsheet); "
                               "TraineeLog.load(path, strict=False) gives the good rows and this list.")
        super().__init__("\n".join(lines))


class _Cell(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message


class _Cells(Exception):
    """Every bad cell of one row."""

    def __init__(self, cells: list[_Cell]):
        self.cells = cells


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _hint_kind(text: str) -> str:
    close = difflib.get_close_matches(text, ENTRY_KINDS, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _clean_entry(fields: dict) -> LogEntry:
    """Validate one entry's raw values (text from a CSV, or Python values from ``add``).

    Raises :class:`_Cells` listing every bad cell of the row (columns that depend on an unreadable kind are
    not checked).
    """
    def text(name: str) -> str:
        value = fields.get(name, "")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return " ".join(str(value).split())

    bad: list[_Cell] = []
    values: dict = {}

    def check(name: str, clean) -> None:
        try:
            values[name] = clean()
        except _Cell as cell:
            bad.append(cell)

    def kind_of():
        kind_text = text("kind")
        kind = re.sub(r"[\s-]+", "_", kind_text.casefold())
        if not kind:
            raise _Cell("kind", f"the kind is empty; use one of: {', '.join(ENTRY_KINDS)}")
        if kind not in ENTRY_KINDS:
            raise _Cell("kind", f"{kind_text!r} is not a kind of entry{_hint_kind(kind)}. "
                                f"Use one of: {', '.join(ENTRY_KINDS)}.")
        return kind

    def date_of():
        raw_date = fields.get("date", "")
        if isinstance(raw_date, dt.datetime):
            return raw_date.date()
        if isinstance(raw_date, dt.date):
            return raw_date
        date_text = text("date")
        if not date_text:
            raise _Cell("date", "the date is empty; write it as YYYY-MM-DD, for example 2025-03-14")
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date_text):
                raise ValueError
            return dt.date.fromisoformat(date_text)
        except ValueError:
            raise _Cell("date", f"{date_text!r} is not a date in the form YYYY-MM-DD "
                                "(for example 2025-03-14)") from None

    check("kind", kind_of)
    check("date", date_of)
    kind = values.get("kind")
    if kind is None:
        raise _Cells(bad)
    spec = ENTRY_KINDS[kind]

    def case_of():
        case_id = text("case_id")
        if spec.case == "required" and not case_id:
            raise _Cell("case_id", f"a {kind} row needs the case it belongs to: a code such as C1 (never a "
                                   "client's name)")
        if spec.case == "no" and case_id:
            raise _Cell("case_id", f"leave case_id empty for a {kind} row (only sessions, recordings, measures, "
                                   "portfolios and supervision belong to a case)")
        if len(case_id) > 40:
            raise _Cell("case_id", "keep the case code short (40 characters at most), for example C1")
        return case_id

    def phase_of():
        phase_text = text("phase")
        phase = _PHASE_ALIASES.get(phase_text.casefold(), "") if phase_text else ""
        if phase_text and not phase:
            raise _Cell("phase", f"{phase_text!r} is not a phase; use initial, middle or ending")
        if spec.phase == "required" and not phase:
            raise _Cell("phase", f"a {kind} row needs its phase: initial, middle or ending")
        if spec.phase == "no" and phase:
            raise _Cell("phase", f"leave phase empty for a {kind} row (only sessions, recordings, measures and "
                                 "supervision have a phase)")
        return phase

    def detail_of():
        detail = text("detail")
        if spec.detail and not detail:
            raise _Cell("detail", f"a {kind} row needs {spec.detail} in detail")
        if len(detail) > 500:
            raise _Cell("detail", "is too long (500 characters at most)")
        return milestone_name(detail) if kind == "milestone" else detail

    def note_of():
        note = text("note")
        if len(note) > 500:
            raise _Cell("note", "is too long (500 characters at most)")
        return note

    check("amount", lambda: _clean_amount(kind, spec, fields.get("amount", ""), text("amount")))
    check("case_id", case_of)
    check("phase", phase_of)
    check("detail", detail_of)
    check("note", note_of)
    if bad:
        raise _Cells(bad)
    return LogEntry(values["date"], kind, values["amount"], values["case_id"], values["phase"], values["detail"],
                    values["note"])


def _clean_amount(kind: str, spec: _EntryKind, raw, shown: str) -> float | None:
    if spec.amount == "none":
        if shown:
            raise _Cell("amount", f"leave amount empty for a {kind} row (it is a dated event, not a quantity)")
        return None
    if not shown:
        if spec.amount == "count":
            return 1.0
        if spec.amount == "score":
            return None
        raise _Cell("amount", f"the number of hours is empty; write the hours of this {kind.replace('_', ' ')}, "
                              "for example 1.5")
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, (int, float)):
        value = float(raw)
    else:
        try:
            value = float(shown)
        except ValueError:
            value = None
    if value is None or not math.isfinite(value):
        if re.fullmatch(r"\d+,\d+", shown):
            fix = f" Use a point for decimals: {shown.replace(',', '.')}."
        else:
            fix = " Write a number such as 1.5." if spec.amount == "hours" else ""
        what = {"hours": "a number of hours", "count": f"a number of {_COUNT_WORDS.get(kind, 'items')}",
                "score": "a score from 1 to 5 (the average on the IPT Quality and Adherence Scale)"}[spec.amount]
        raise _Cell("amount", f"{shown!r} is not {what}.{fix}")
    if spec.amount == "hours":
        if value <= 0:
            raise _Cell("amount", f"{shown} hours: the hours must be more than 0")
        if kind == "session" and value > MAX_SESSION_HOURS:
            raise _Cell("amount", f"{shown} hours for one session: amount is in hours, not minutes "
                                  f"(50 minutes is 0.83)")
    elif spec.amount == "count":
        if value <= 0 or not value.is_integer():
            raise _Cell("amount", f"{shown!r} is not a whole number of {_COUNT_WORDS.get(kind, 'items')} "
                                  "(1, 2, 3 ...; empty means 1)")
    elif not 1 <= value <= 5:
        raise _Cell("amount", f"{shown} is outside the 1-5 scale of the IPT Quality and Adherence Scale")
    return value


def _normalise_header(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().casefold())


@dataclass
class TraineeLog:
    """What a trainee has done, one :class:`LogEntry` per row, in the order written."""

    entries: list[LogEntry] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def add(self, date: str | dt.date, kind: str, amount: float | str | None = None, case_id: str = "",
            phase: str = "", detail: str = "", note: str = "") -> LogEntry:
        """Add one entry after checking it (a :class:`TraineeLogError` names the column otherwise)."""
        try:
            entry = _clean_entry(dict(date=date, kind=kind, amount="" if amount is None else amount,
                                      case_id=case_id, phase=phase, detail=detail, note=note))
        except _Cells as row:
            raise TraineeLogError([LogProblem(None, c.column, c.message) for c in row.cells],
                                  source="This entry", footer="It was not added to the log.") from None
        self.entries.append(entry)
        return entry

    # --- reading --------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, *, strict: bool = True):
        """Read a log CSV. With ``strict`` (the default), any bad row raises :class:`TraineeLogError` listing
        every problem; with ``strict=False`` it returns ``(log, problems)``: the good rows and the list."""
        path = Path(path)
        if not path.exists():
            problems = [LogProblem(0, None, f"there is no file {path.name} here; TraineeLog().save({str(path)!r}) "
                                            "starts an empty one")]
            if strict:
                raise TraineeLogError(problems, source=path.name)
            return cls(), problems
        return cls.from_csv_bytes(path.read_bytes(), strict=strict, source=path.name)

    @classmethod
    def from_csv_text(cls, text: str, *, strict: bool = True, source: str = "the trainee log"):
        """Parse CSV text; see :meth:`load` for ``strict``."""
        return cls.from_csv_bytes(text.encode("utf-8"), strict=strict, source=source)

    @classmethod
    def from_csv_bytes(cls, data: bytes, *, strict: bool = True, source: str = "the trainee log"):
        log, problems = cls._parse(data)
        if strict:
            if problems:
                raise TraineeLogError(problems, source=source)
            return log
        return log, problems

    @classmethod
    def _parse(cls, data: bytes) -> tuple["TraineeLog", list[LogProblem]]:
        try:
            text = data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is not part of the first column name
        except UnicodeDecodeError:
            return cls(), [LogProblem(0, None, "is not UTF-8 text. In Excel use 'Save as: CSV UTF-8'; in LibreOffice "
                                               "choose the UTF-8 character set. No rows were read.")]
        if not text.strip():
            return cls(), [LogProblem(1, None, "the file is empty. Its first row must name the columns: "
                                               f"{','.join(LOG_COLUMNS)}")]
        reader = csv.reader(io.StringIO(text, newline=""))
        problems: list[LogProblem] = []
        header: list[str] | None = None
        header_row = 0
        entries: list[LogEntry] = []
        row_start = 1
        try:
            for cells in reader:
                row, row_start = row_start, reader.line_num + 1
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header, header_row = [_normalise_header(c) for c in cells], row
                    problems += _header_problems(header, row)
                    if any(col not in header for col in _REQUIRED_COLUMNS):
                        problems.append(LogProblem(row, None, "no rows were read: the first row must name the "
                                                              f"columns {','.join(LOG_COLUMNS)} (note is optional)"))
                        return cls(), problems
                    continue
                values = {}
                for i, cell in enumerate(cells):
                    if i < len(header):
                        values.setdefault(header[i], cell)
                    elif cell.strip():
                        problems.append(LogProblem(row, None, f"this row has {len(cells)} values but the first row "
                                                              f"names {len(header)} columns: is there a comma inside a "
                                                              "text? Put that text in double quotes."))
                        values = None
                        break
                if values is None:
                    continue
                try:
                    entries.append(_clean_entry(values))
                except _Cells as bad:
                    problems += [LogProblem(row, c.column, c.message) for c in bad.cells]
        except csv.Error as exc:
            problems.append(LogProblem(row_start, None, f"the CSV cannot be read from here on ({exc}); "
                                                        "check the quotes in this row"))
        if header is None:
            problems.append(LogProblem(1, None, "the file is empty. Its first row must name the columns: "
                                                f"{','.join(LOG_COLUMNS)}"))
        return cls(entries), problems

    # --- writing --------------------------------------------------------------------------------------
    def to_csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=LOG_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for entry in self.entries:
            writer.writerow(entry.row())
        return buffer.getvalue()

    def save(self, path: str | Path) -> Path:
        """Write the log atomically (a crash leaves the old file whole), as UTF-8 CSV with the header."""
        from ..storage import atomic_write_text

        return atomic_write_text(path, self.to_csv_text())

    def to_frame(self):
        """The log as a pandas DataFrame, one row per entry (``date`` as datetime64)."""
        import pandas as pd

        frame = pd.DataFrame([e.row() for e in self.entries], columns=list(LOG_COLUMNS))
        frame["date"] = pd.to_datetime(frame["date"])
        frame["amount"] = pd.to_numeric(frame["amount"].replace("", None), errors="coerce").astype(float)
        return frame

    # --- quantities ------------------------------------------------------------------------------------
    def total(self, kind: str) -> float:
        """The summed amount of one kind of entry (hours, or counts)."""
        return round(math.fsum(e.amount or 0.0 for e in self.entries if e.kind == kind), 6)

    def cases(self) -> dict[str, "Case"]:
        cases: dict[str, Case] = {}
        for e in self.entries:
            if not e.case_id:
                continue
            case = cases.setdefault(e.case_id.casefold(), Case(e.case_id))
            case.take(e)
        return cases


def _header_problems(header: list[str], row: int) -> list[LogProblem]:
    problems = []
    seen = set()
    for name in header:
        if not name:
            continue
        if name in seen:
            problems.append(LogProblem(row, name, "this column appears twice; keep one"))
        seen.add(name)
        if name not in LOG_COLUMNS:
            close = difflib.get_close_matches(name, LOG_COLUMNS, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(LogProblem(row, name, f"is not a column of the trainee log; {hint}put remarks in the "
                                                  f"'note' column, or remove this column. The columns are: "
                                                  f"{', '.join(LOG_COLUMNS)}."))
    if "" in header:
        problems.append(LogProblem(row, f"(column {header.index('') + 1})", "a column has no name; name it or "
                                                                             "delete it"))
    for name in _REQUIRED_COLUMNS:
        if name not in header:
            problems.append(LogProblem(row, name, "the column is missing"))
    return problems


def instrument_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


@dataclass
class Case:
    """What the log says about one case."""

    case_id: str
    sessions: int = 0
    session_hours: float = 0.0
    phases: set = field(default_factory=set)
    supervision_hours: float = 0.0
    recordings: float = 0.0
    measures: dict = field(default_factory=dict)
    portfolio_scores: list = field(default_factory=list)
    has_portfolio: bool = False

    def take(self, e: LogEntry) -> None:
        if e.kind == "session":
            self.sessions += 1
            self.session_hours = round(self.session_hours + (e.amount or 0.0), 6)
            self.phases.add(e.phase)
        elif e.kind == "supervision":
            self.supervision_hours = round(self.supervision_hours + (e.amount or 0.0), 6)
        elif e.kind == "recording":
            self.recordings += e.amount or 0.0
        elif e.kind == "measure":
            key = instrument_key(e.detail)
            self.measures[key] = self.measures.get(key, 0.0) + (e.amount or 0.0)
        elif e.kind == "portfolio":
            self.has_portfolio = True
            if e.amount is not None:
                self.portfolio_scores.append(e.amount)

    @property
    def supervised(self) -> bool:
        return self.sessions > 0 and self.supervision_hours > 0
