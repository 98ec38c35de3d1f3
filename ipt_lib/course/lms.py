"""Grades in the layouts that Canvas's gradebook import and Moodle's CSV grade import accept.

nbgrader's own ``grades.csv`` (``nbgrader export``) stays as it is; these files are written beside it::

    from ipt_lib.course.lms import export_canvas, export_moodle
    export_canvas(Path("course"), Path("course/roster.csv"), Path("course/canvas-grades.csv"))
    export_moodle(Path("course"), Path("course/roster.csv"), Path("course/moodle-grades.csv"))

Students are matched through a roster CSV: nbgrader's student file (``id, first_name, last_name, email``) with
optional ``lms_id`` (the LMS's own user id), ``sis_id`` (Canvas "SIS User ID" / Moodle "ID number"),
``login_id`` (Canvas "SIS Login ID" / Moodle "username") and ``section`` columns. A roster row is matched to a
gradebook student by ``id``, else by ``email`` (case-insensitive).

Nothing is silently zero or blank: a missing submission is written as the LMS's "no grade" (Canvas: an empty
cell; Moodle: ``-``), or as 0 with ``missing="zero"``; a submission whose written answers are not graded yet is
left without a grade; a late submission gets nbgrader's late penalty. Each of these, and every student found in
only one of roster and gradebook, is a row of ``lms-export-notes.csv`` and is counted in the printed summary.
docs/lms-export.md gives the formats, their sources, and the import steps.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

__all__ = ["RosterEntry", "read_roster", "GradeCell", "Collected", "collect", "export_canvas", "export_moodle",
           "export_lms", "NOTES_NAME", "NOTES_COLUMNS", "CANVAS_STUDENT_COLUMNS", "MOODLE_IDENTIFIERS"]

NOTES_NAME = "lms-export-notes.csv"
NOTES_COLUMNS = ["lms_file", "student", "name", "assignment", "status", "exported_as", "detail"]
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# identifier -> (column header, roster field, Moodle's "Map to" choice)
MOODLE_IDENTIFIERS = {
    "email": ("Email address", "email", "Email address (useremail)"),
    "idnumber": ("ID number", "sis_id", "ID number (useridnumber)"),
    "username": ("Username", "login_id", "Username (username)"),
    "userid": ("User ID", "lms_id", "User ID (userid)"),
}
MISSING_CHOICES = ("ungraded", "zero")
BOM = "\ufeff"

ALL = "(all)"


# --- roster -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterEntry:
    """One student as the LMS knows them."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_id: str = ""
    sis_id: str = ""
    login_id: str = ""
    section: str = ""

    @property
    def label(self) -> str:
        return self.id or self.email

    @property
    def sortable_name(self) -> str:
        """Canvas's "Last, First" form (its import also matches on it)."""
        if self.last_name and self.first_name:
            return f"{self.last_name}, {self.first_name}"
        return self.last_name or self.first_name or self.label


REQUIRED = ("id", "first_name", "last_name", "email")
OPTIONAL = ("lms_id", "sis_id", "login_id", "section")


def read_roster(path: Path) -> list[RosterEntry]:
    """Read a roster CSV (UTF-8, with or without a byte-order mark, as Excel saves it).

    Required columns: id, first_name, last_name, email (a row may leave id or email empty, not both);
    optional: lms_id, sis_id, login_id, section. Other columns are ignored.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No roster at {path}. Give a CSV with the columns {', '.join(REQUIRED)} "
                                f"(nbgrader's student file) and optionally {', '.join(OPTIONAL)}.")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ValueError(f"{path}: the roster has no column {', '.join(missing)} (it has: {', '.join(header)}). "
                             f"Required: {', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)}.")
        entries = []
        for line, row in enumerate(reader, 2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            entry = RosterEntry(**{k: row.get(k, "") for k in REQUIRED + OPTIONAL})
            if not entry.id and not entry.email:
                if any(row.values()):
                    raise ValueError(f"{path}, line {line}: a student needs an id or an email; this row has neither.")
                continue
            entries.append(entry)
    _check_unique(entries, path)
    return entries


def _check_unique(entries: list[RosterEntry], where: object) -> None:
    for attr in ("id", "email", "lms_id", "sis_id", "login_id"):
        values = [getattr(e, attr).lower() if attr == "email" else getattr(e, attr) for e in entries]
        twice = sorted(v for v, n in Counter(v for v in values if v).items() if n > 1)
        if twice:
            raise ValueError(f"{where}: the roster repeats {attr} {', '.join(map(repr, twice))}; each student must "
                             "appear once, or grades could go to the wrong person.")


# --- the grades, independent of the LMS ---------------------------------------------------------------------------

GRADED, MISSING, LATE, MANUAL = "graded", "missing", "late", "needs manual grading"


@dataclass(frozen=True)
class GradeCell:
    """One student's grade for one assignment, as it goes to the LMS."""

    status: str                 # graded | missing | late | needs manual grading
    score: float | None         # what counts: nbgrader's score minus the late penalty; None = no grade
    raw: float | None = None    # nbgrader's score before the penalty
    penalty: float = 0.0
    seconds_late: float = 0.0
    timestamp: str = ""
    pending: tuple[tuple[str, float], ...] = ()  # needs manual grading: each cell not graded yet, with its points


@dataclass
class Collected:
    assignments: list[tuple[str, float]]                       # (name, max score)
    roster: list[RosterEntry]
    gradebook_id: dict[int, str]                              # roster index -> gradebook student id
    cells: dict[tuple[int, str], GradeCell]                   # (roster index, assignment) -> grade
    not_in_roster: list[tuple[str, str]] = field(default_factory=list)  # gradebook (id, name) with no roster row
    matched_by_email: list[int] = field(default_factory=list)


def _roster(roster: Path | Iterable[RosterEntry]) -> list[RosterEntry]:
    if isinstance(roster, (str, Path)):
        return read_roster(Path(roster))
    entries = list(roster)
    _check_unique(entries, "roster")
    return entries


def collect(course_dir: Path, roster: Path | Iterable[RosterEntry],
            assignments: list[str] | None = None) -> Collected:
    """Read every roster student's grade for each assignment from the course's gradebook (nbgrader's db_url)."""
    from nbgrader.api import MissingEntry

    entries = _roster(roster)
    from .gradebook import open_gradebook

    with open_gradebook(course_dir) as gb:
        known = {a.name: a for a in gb.assignments}
        names = assignments if assignments is not None else sorted(known, key=_natural)
        unknown = [n for n in names if n not in known]
        if unknown:
            have = ", ".join(sorted(known)) or "none"
            raise ValueError(f"not in the gradebook: {', '.join(unknown)} (it has: {have})")
        chosen = [(n, float(known[n].max_score)) for n in names]
        students = {s.id: s for s in gb.students}
        by_email = {}
        for s in students.values():
            if s.email:
                by_email.setdefault(s.email.strip().lower(), []).append(s.id)
        result = Collected(chosen, entries, {}, {})
        used: set[str] = set()
        for index, entry in enumerate(entries):
            sid = entry.id if entry.id in students else None
            if sid is None and entry.email and len(by_email.get(entry.email.lower(), [])) == 1:
                candidate = by_email[entry.email.lower()][0]
                if candidate not in used:
                    sid = candidate
                    result.matched_by_email.append(index)
            if sid is None or sid in used:
                continue
            used.add(sid)
            result.gradebook_id[index] = sid
        for sid, s in sorted(students.items()):
            if sid not in used:
                result.not_in_roster.append((sid, " ".join(p for p in (s.first_name, s.last_name) if p)))
        for index in range(len(entries)):
            sid = result.gradebook_id.get(index)
            for name, _ in chosen:
                try:
                    sub = gb.find_submission(name, sid) if sid else None
                except MissingEntry:
                    sub = None
                result.cells[(index, name)] = _cell(sub)
    return result


def _cell(sub) -> GradeCell:
    if sub is None:
        return GradeCell(MISSING, None)
    raw = float(sub.score)
    penalty = float(sub.late_submission_penalty or 0.0)
    late = float(sub.total_seconds_late or 0.0)
    stamp = sub.timestamp.isoformat(sep=" ", timespec="minutes") if sub.timestamp else ""
    if sub.needs_manual_grade:
        # An assignment may have several hand-graded cells (Assignment 7's four drills): name the ones still open.
        pending = tuple((g.name, float(g.max_score)) for nb in sub.notebooks for g in nb.grades
                        if g.needs_manual_grade)
        return GradeCell(MANUAL, None, raw, penalty, late, stamp, pending)
    score = max(0.0, raw - penalty)  # as nbgrader's own export computes it
    return GradeCell(LATE if (late > 0 or penalty > 0) else GRADED, score, raw, penalty, late, stamp)


def _natural(name: str) -> list:
    import re

    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _num(x: float) -> str:
    """2 decimals at most, no trailing zeros, a point as decimal separator (both importers read that)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours)
    parts += [f"{mins} min"] * bool(mins or not parts)
    return " ".join(parts)


# --- writing -----------------------------------------------------------------------------------------------------

@dataclass
class _Note:
    student: str
    name: str
    assignment: str
    status: str
    exported_as: str
    detail: str


def _cell_notes(data: Collected, index: int, missing: str, written: dict[str, str]) -> list[_Note]:
    """Notes for one exported roster row; ``written`` maps assignment -> the text in the LMS file."""
    entry = data.roster[index]
    name = f"{entry.first_name} {entry.last_name}".strip()
    notes = []
    for assignment, max_score in data.assignments:
        cell = data.cells[(index, assignment)]
        shown = written[assignment]
        shown_text = f"{shown!r}" if shown else "empty cell"
        if cell.status == MISSING:
            why = ("no nbgrader record of this student" if index not in data.gradebook_id
                   else "no submission in the gradebook")
            policy = ("counted as 0 (missing='zero')" if missing == "zero"
                      else f"left ungraded: {shown_text} is this LMS's 'no grade'")
            notes.append(_Note(entry.label, name, assignment, "missing", shown_text, f"{why}; {policy}"))
        elif cell.status == MANUAL:
            open_points = sum(points for _, points in cell.pending)
            cells = ", ".join(f"{cell_name} ({_num(points)})" for cell_name, points in cell.pending)
            notes.append(_Note(entry.label, name, assignment, "needs manual grading", shown_text,
                               f"graded so far {_num(cell.raw)} of {_num(max_score - open_points)} points; "
                               f"{len(cell.pending)} hand-graded cell(s) worth {_num(open_points)} not graded yet: "
                               f"{cells}; so no grade is exported until they are (grade them in Formgrader, "
                               "export again)"
                               + (f"; also late: submitted {cell.timestamp}, {_duration(cell.seconds_late)} after "
                                  "the due date" if cell.seconds_late else "")))
        elif cell.status == LATE:
            status = (f"late (penalty applied {_num(cell.penalty)} points)" if cell.penalty
                      else "late (no penalty applied)")
            notes.append(_Note(entry.label, name, assignment, status, shown_text,
                               f"submitted {cell.timestamp}, {_duration(cell.seconds_late)} after the due date; "
                               f"score {_num(cell.raw)} - penalty {_num(cell.penalty)} = {_num(cell.score)}"))
    return notes


def _write_csv(path: Path, rows: list[list[str]], bom: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text((BOM if bom else "") + buffer.getvalue(), encoding="utf-8", newline="")


def _write_notes(path: Path, lms_file: str, notes: list[_Note]) -> None:
    """Replace this LMS file's rows in the notes file, keeping the other LMS files' rows."""
    kept = []
    if path.exists():
        with open(path, newline="", encoding="utf-8-sig") as handle:
            kept = [r for r in csv.DictReader(handle) if r.get("lms_file") != lms_file]
    rows = [NOTES_COLUMNS] + [[r.get(c, "") for c in NOTES_COLUMNS] for r in kept]
    rows += [[lms_file, n.student, n.name, n.assignment, n.status, n.exported_as, n.detail] for n in notes]
    _write_csv(path, rows, bom=True)


def _summary(lms: str, out: Path, notes_path: Path, data: Collected, exported: int, notes: list[_Note],
             missing: str) -> str:
    counts = Counter(n.status.split(" (")[0] for n in notes)
    cells = exported * len(data.assignments)
    graded = cells - counts["missing"] - counts["needs manual grading"]
    lines = [f"{lms} export: {out} ({exported} students x {len(data.assignments)} assignments: "
             f"{', '.join(a for a, _ in data.assignments)})",
             f"  graded {graded} of {cells}; "
             f"missing {counts['missing']} ({'counted as 0' if missing == 'zero' else 'left ungraded'}); "
             f"late {counts['late']}; needs manual grading {counts['needs manual grading']} (left ungraded)"]
    for status in ("not in roster", "not in gradebook", "not exported"):
        who = sorted({n.student for n in notes if n.status.startswith(status)})
        if who:
            lines.append(f"  {status}: {len(who)} ({', '.join(who[:8])}{', ...' if len(who) > 8 else ''})")
    lines.append(f"  {len(notes)} case(s) to check, one per line, in {notes_path}")
    return "\n".join(lines)


def _roster_notes(data: Collected) -> list[_Note]:
    notes = [_Note(sid, name, ALL, "not in roster", "not exported",
                   "in the gradebook but matched by no roster row (by id or email); add them to the roster to "
                   "export their grades") for sid, name in data.not_in_roster]
    for index, entry in enumerate(data.roster):
        if index not in data.gradebook_id:
            notes.append(_Note(entry.label, f"{entry.first_name} {entry.last_name}".strip(), ALL, "not in gradebook",
                               "see the assignment rows", "in the roster but not in nbgrader's gradebook (by id or "
                               "email): every assignment is missing"))
    return notes


def export_canvas(course_dir: Path, roster: Path | Iterable[RosterEntry], out: Path, *,
                  missing: str = "ungraded", assignment_ids: dict[str, int | str] | None = None,
                  assignments: list[str] | None = None, notes: Path | None = None, bom: bool = True,
                  echo: Callable[[str], None] | None = print) -> Path:
    """Write ``out`` for Canvas's Grades > Import: a header ``Student, ID, SIS User ID, SIS Login ID, Section,
    <assignment>...``, a ``Points Possible`` row, one row per roster student.

    ``assignment_ids`` maps an nbgrader assignment to its Canvas assignment id, written as ``name (id)`` so Canvas
    updates that assignment; without an id Canvas matches the column by title or offers to create an assignment.
    ``missing="ungraded"`` (default) leaves a missing submission as an empty cell (Canvas's "no grade");
    ``missing="zero"`` writes 0. Notes go to ``notes`` (default: ``lms-export-notes.csv`` beside ``out``).
    """
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {MISSING_CHOICES}, not {missing!r}")
    out = Path(out)
    notes_path = Path(notes) if notes else out.with_name(NOTES_NAME)
    data = collect(course_dir, roster, assignments)
    ids = assignment_ids or {}
    header = CANVAS_STUDENT_COLUMNS + [f"{a} ({ids[a]})" if a in ids else a for a, _ in data.assignments]
    rows = [header, ["Points Possible", "", "", "", ""] + [_num(m) for _, m in data.assignments]]
    written_notes = _roster_notes(data)
    for index, entry in enumerate(data.roster):
        written = {}
        for assignment, _ in data.assignments:
            cell = data.cells[(index, assignment)]
            if cell.score is not None:
                written[assignment] = _num(cell.score)
            elif cell.status == MISSING and missing == "zero":
                written[assignment] = "0"
            else:
                written[assignment] = ""
        rows.append([entry.sortable_name, entry.lms_id, entry.sis_id, entry.login_id or entry.email, entry.section]
                    + [written[a] for a, _ in data.assignments])
        written_notes += _cell_notes(data, index, missing, written)
        if not (entry.lms_id or entry.sis_id or entry.login_id or entry.email):
            written_notes.append(_Note(entry.label, entry.sortable_name, ALL, "matched by name only", "",
                                       "no lms_id, sis_id, login_id or email: Canvas will match this row by name"))
    _write_csv(out, rows, bom)
    _write_notes(notes_path, out.name, written_notes)
    if echo:
        echo(_summary("Canvas", out, notes_path, data, len(data.roster), written_notes, missing))
    return out


def export_moodle(course_dir: Path, roster: Path | Iterable[RosterEntry], out: Path, *,
                  missing: str = "ungraded", identifier: str = "email", assignments: list[str] | None = None,
                  notes: Path | None = None, bom: bool = True, echo: Callable[[str], None] | None = print) -> Path:
    """Write ``out`` for Moodle's Grades > Import > CSV file: the identifier column first (``identifier``: email,
    idnumber, username or userid, from the roster), First name, Last name, then one column per assignment.

    Moodle aborts the whole import when one row's identifier matches no Moodle user, so roster students without
    that identifier are left out (and listed in the notes). ``missing="ungraded"`` (default) writes ``-``
    (Moodle's "no grade"); ``missing="zero"`` writes 0.
    """
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {MISSING_CHOICES}, not {missing!r}")
    if identifier not in MOODLE_IDENTIFIERS:
        raise ValueError(f"identifier must be one of {', '.join(MOODLE_IDENTIFIERS)}, not {identifier!r}")
    column, attr, _ = MOODLE_IDENTIFIERS[identifier]
    out = Path(out)
    notes_path = Path(notes) if notes else out.with_name(NOTES_NAME)
    data = collect(course_dir, roster, assignments)
    rows = [[column, "First name", "Last name"] + [a for a, _ in data.assignments]]
    written_notes = _roster_notes(data)
    exported = 0
    for index, entry in enumerate(data.roster):
        key = getattr(entry, attr)
        if not key:
            written_notes.append(_Note(entry.label, f"{entry.first_name} {entry.last_name}".strip(), ALL,
                                       f"not exported: no {attr} in the roster", "not exported",
                                       f"Moodle matches rows by {column}; a row without it would stop the whole "
                                       "import, so this student is left out"))
            continue
        written = {}
        for assignment, _ in data.assignments:
            cell = data.cells[(index, assignment)]
            if cell.score is not None:
                written[assignment] = _num(cell.score)
            elif cell.status == MISSING and missing == "zero":
                written[assignment] = "0"
            else:
                written[assignment] = "-"
        rows.append([key, entry.first_name, entry.last_name] + [written[a] for a, _ in data.assignments])
        written_notes += _cell_notes(data, index, missing, written)
        exported += 1
    _write_csv(out, rows, bom)
    _write_notes(notes_path, out.name, written_notes)
    if echo:
        summary = _summary("Moodle", out, notes_path, data, exported, written_notes, missing)
        big = [a for a, m in data.assignments if m > 100]
        if big:
            summary += (f"\n  note: {', '.join(big)} is worth more than 100 points; Moodle refuses grades above its "
                        "gradepointmax setting (100 by default)")
        echo(summary)
    return out


def export_lms(course_dir: Path, roster: Path | Iterable[RosterEntry], out_dir: Path, **options) -> list[Path]:
    """Both files and the notes in ``out_dir``: canvas-grades.csv, moodle-grades.csv, lms-export-notes.csv.

    ``options`` are passed on (missing, assignments, echo); ``assignment_ids`` goes to Canvas only and
    ``identifier`` to Moodle only.
    """
    out_dir = Path(out_dir)
    entries = _roster(roster)
    canvas_opts = {k: v for k, v in options.items() if k != "identifier"}
    moodle_opts = {k: v for k, v in options.items() if k != "assignment_ids"}
    canvas = export_canvas(course_dir, entries, out_dir / "canvas-grades.csv", **canvas_opts)
    moodle = export_moodle(course_dir, entries, out_dir / "moodle-grades.csv", **moodle_opts)
    return [canvas, moodle, out_dir / NOTES_NAME]
