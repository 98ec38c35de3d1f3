"""The instructor's whole grading cycle, on a scratch course with a SQLite gradebook and a local exchange.

For each assignment: generate -> leak check -> release -> (students fetch, work, submit) -> collect ->
structure check -> autograde (sandboxed) -> manual grades -> feedback (leak-checked) -> (students fetch
feedback); then export CSV and a summary.
"""

from __future__ import annotations

import csv
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from . import registry
from .cells import repo_root
from .config import COURSE_ID
from .integrity import inspect_submission, write_report
from .leaks import collect_secrets, scan, scan_feedback
from .nbgrader_cli import Nbgrader, write_course_config, write_student_config
from .samples import Profile
from .sandbox import SandboxUnavailable, bwrap_path, install_kernelspec, unavailable_message


@dataclass
class Spec:
    """One assignment in a run: the registry's name, notebook and hand-graded cells, with the class that submits
    (the registry's sample class by default; tests put red-team classes here) and the key its edits read."""

    name: str
    notebook: str
    manual_ids: tuple[str, ...]  # the manually graded cells (written answers, figures)
    profiles: list[Profile]
    key: dict = field(default_factory=dict)


def default_specs(repo: Path) -> list[Spec]:
    """Every assignment in the registry that has a sample class, in order, with that class and its key."""
    specs = []
    for assignment in registry.ASSIGNMENTS:
        if assignment.sample_class is None:
            continue
        key = assignment.key(repo) if assignment.key else {}
        specs.append(Spec(assignment.name, assignment.notebook, assignment.manual_ids,
                          assignment.sample_class(key), key))
    return specs


@dataclass
class StudentResult:
    assignment: str
    student: str
    description: str
    auto_score: float
    auto_max: float
    manual_score: float | None
    manual_max: float
    total: float
    max_total: float
    expected_auto: float
    items: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    feedback: Path | None = None

    @property
    def as_expected(self) -> bool:
        return abs(self.auto_score - self.expected_auto) < 1e-6


@dataclass
class CycleResult:
    root: Path
    results: list[StudentResult]
    grades_csv: Path
    seconds: float
    home_leaks: list = field(default_factory=list)

    @property
    def course(self) -> Path:
        return self.root / "course"

    def of(self, assignment: str) -> dict[str, "StudentResult"]:
        return {r.student: r for r in self.results if r.assignment == assignment}


class Reporter:
    """Prints progress lines (and counts steps) unless quiet."""

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet, self.stream = quiet, stream or sys.stdout
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            elapsed = time.perf_counter() - self.started
            print(f"[{elapsed:6.1f}s] {message}", file=self.stream, flush=True)


def run_cycle(root: Path | None = None, *, timeout: int = 15, repo: Path | None = None, quiet: bool = False,
              workers: int = 2, sandbox: bool = True, specs: list[Spec] | None = None,
              parallel: bool = True) -> CycleResult:
    """Run the grading cycle in ``root`` (a new temporary folder by default) and return the class results.

    Student code is autograded in the ipt-sandbox kernel; without bubblewrap this refuses to run
    unless ``sandbox=False`` is asked for explicitly (and then says so loudly).
    """
    say = Reporter(quiet)
    if sandbox and bwrap_path() is None:
        raise SandboxUnavailable(unavailable_message())
    started = time.perf_counter()
    root = Path(root) if root else Path(tempfile.mkdtemp(prefix="ipt-course-"))
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty; give a new folder (nothing there was changed)")
    course, exchange, homes = root / "course", root / "exchange", root / "students"
    for folder in (course, exchange, homes):
        folder.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o777)
    repo = Path(repo) if repo else repo_root()
    specs = specs if specs is not None else default_specs(repo)
    say(f"course folder: {course}")
    if sandbox:
        say(f"sandbox: bubblewrap at {bwrap_path()}")
    for spec in specs:
        shutil.copytree(repo / "source" / spec.name, course / "source" / spec.name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "inventory.json"))
    ipc = root / "sandbox" / "ipc"
    if sandbox:
        # Hide everything instructor-side from student code: the course (source, gradebook, other
        # submissions), the exchange, the students' homes, the repository (data/, source/) and this home.
        install_kernelspec(root / "sandbox" / "share", hide=[course, exchange, homes, repo, Path.home()], ipc=ipc)
    else:
        say("WARNING: grading WITHOUT the sandbox: student code can read source/, the gradebook and other "
            "submissions, and reach the network.")
    write_course_config(course, exchange=exchange, timeout=timeout, sandbox_ipc=ipc if sandbox else None)
    instructor = Nbgrader(course, jupyter_path=(root / "sandbox" / "share") if sandbox else None)
    students = list(dict.fromkeys(p.student for spec in specs for p in spec.profiles))
    roster = course / "students.csv"
    with open(roster, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email"])
        for student in students:
            writer.writerow([student, student.capitalize(), "Sample", f"{student}@example.org"])
    say(f"nbgrader db student import: {len(students)} students")
    instructor("db", "student", "import", str(roster))
    for student in students:
        (homes / student).mkdir()
        write_student_config(homes / student, exchange)
    secrets = collect_secrets(repo)
    results: list[StudentResult] = []
    home_leaks: list = []

    for number, spec in enumerate(specs, 1):
        spec_started = time.perf_counter()
        say(f"== assignment {number} of {len(specs)}, {spec.name}: nbgrader generate_assignment "
            "(solutions and hidden tests removed)")
        instructor("generate_assignment", spec.name, "--force")
        leaked = scan([course / "release" / spec.name], secrets)
        if leaked:
            raise RuntimeError("the student version would leak answers; nothing was released:\n"
                               + "\n".join(map(str, leaked)))
        say("leak check of the student version: clean; nbgrader release_assignment")
        instructor("release_assignment", spec.name, "--force")

        def student_work(profile: Profile, spec: Spec = spec) -> None:
            home = homes / profile.student
            student = Nbgrader(home)
            student("fetch_assignment", spec.name)
            path = home / spec.name / spec.notebook
            nb = nbformat.read(path, as_version=4)
            profile.edit(nb, spec.key)
            nbformat.write(nb, path)
            if profile.prepare:
                profile.prepare(path.parent, spec.key)
            if profile.rename_to:
                path.rename(path.with_name(profile.rename_to))
            student("submit", spec.name, "--student", profile.student)
            if profile.tamper_inbound:
                inbound = exchange / COURSE_ID / "inbound"
                profile.tamper_inbound(max(inbound.glob(f"{profile.student}+{spec.name}+*")))

        say(f"{len(spec.profiles)} sample students fetch, work and submit (nbgrader fetch_assignment, submit)")
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(student_work, spec.profiles))

        say("nbgrader collect (plain files only: links, pipes and huge files are left out and recorded)")
        instructor("collect", spec.name)
        for p in spec.profiles:
            if p.tamper_submitted:
                p.tamper_submitted(course / "submitted" / p.student / spec.name)
        findings = []
        for p in spec.profiles:
            findings += inspect_submission(p.student, course / "release" / spec.name,
                                           course / "submitted" / p.student / spec.name)
        write_report(findings, course / f"integrity-{spec.name}.csv")
        if findings:
            say(f"structure check: {len(findings)} change(s) to protected cells or files, by "
                f"{len({f.student for f in findings})} student(s) (course/integrity-{spec.name}.csv)")

        done: list[str] = []

        def progress(line: str, spec: Spec = spec) -> None:
            match = re.search(r"student with ID '([^']+)'", line)
            if match and match.group(1) not in done:
                done.append(match.group(1))
                say(f"autograding {len(done)}/{len(spec.profiles)}: {match.group(1)}")
            elif "CellTimeoutError" in line or "Timeout waiting for execute reply" in line:
                say("  a cell ran past the time limit and was interrupted; grading goes on")

        where = 'in the bubblewrap sandbox' if sandbox else 'NOT sandboxed'
        if parallel:
            from .parallel import autograde as parallel_autograde

            say(f"autograde on every core with nbgrader's Autograde (cell time limit {timeout}s, {where}"
                f"{', warm kernels from a sandboxed fork server' if sandbox else ''})")
            summary = parallel_autograde(course, [spec.name], workers=workers,
                                         jupyter_path=(root / "sandbox" / "share") if sandbox else None,
                                         echo=say, progress_stream=_SayStream(say), warm=sandbox)[spec.name]
            failed = sorted(o.student for o in summary.failed)
        else:
            say(f"nbgrader autograde (cell time limit {timeout}s, {where})")
            # One bad submission must not stop the batch: nbgrader goes on and exits 1; its log names the student.
            log = instructor("autograde", spec.name, on_line=progress, check=False)
            (course / f"autograde-{spec.name}.log").write_text(log, encoding="utf-8")
            failed = sorted(set(re.findall(r"error processing assignment '[^']+' for student '([^']+)'", log)))
        if failed:
            say(f"autograde could not grade: {', '.join(failed)} (see course/autograde-{spec.name}.log); "
                "the others are graded")

        _record_manual_grades(course, spec)
        say("nbgrader generate_feedback (hidden tests removed)")
        instructor("generate_feedback", spec.name, "--force")
        withheld = vet_feedback(course, spec.name, secrets)
        for student, reasons in withheld.items():
            say(f"feedback WITHHELD from {student}: {reasons[0]}"
                + (f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else "")
                + f"; kept in course/feedback-withheld/{student}/ for you to look at; the others get theirs")
        say(f"leak check of the feedback: {'clean' if not withheld else f'{len(withheld)} withheld'}; "
            "nbgrader release_feedback; students fetch it")
        instructor("release_feedback", spec.name)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda p: Nbgrader(homes / p.student)("fetch_feedback", spec.name, "--student", p.student),
                          [p for p in spec.profiles if p.student not in withheld]))
        results += _summarise(course, homes, spec, findings)
        say(f"== {spec.name} done in {time.perf_counter() - spec_started:.0f} s "
            f"({number} of {len(specs)} assignments, {time.perf_counter() - started:.0f} s so far)")

    home_leaks = scan([homes], secrets)
    say("leak check of everything in the students' homes: "
        + ("clean" if not home_leaks else f"{len(home_leaks)} LEAK(S): " + "; ".join(map(str, home_leaks[:3]))))
    grades_csv = root / "grades.csv"
    say("nbgrader export")
    instructor("export", "--to", str(grades_csv))
    from .lms import export_lms
    from .reports import write_reports

    reports = write_reports(course, course, [spec.name for spec in specs])
    say(f"item analysis: {len(reports) // 2} report(s) in {course} (item-analysis-<assignment>.html and .csv)")
    export_lms(course, roster, root, echo=say)
    return CycleResult(root, results, grades_csv, time.perf_counter() - started, home_leaks)


NBGRADER_FEEDBACK = ("timestamp.txt", "submission_secret.txt")  # what release_feedback reads beside the pages


def vet_feedback(course: Path, assignment: str, secrets) -> dict[str, list[str]]:
    """Make each student's feedback hold only what the course generates for them, and withhold any that leaks.

    nbgrader's feedback folder gets a copy of files from the student's graded folder; here only the feedback HTML
    pages and the two files nbgrader's release_feedback reads (regular files, not links) stay. A student whose feedback still shows a key or hidden test has their
    folder moved to ``feedback-withheld/`` (so release_feedback skips it) and is named; the rest of the class is
    not held back. Returns {student: [why]}."""
    from .folderguard import _record

    withheld: dict[str, list[str]] = {}
    feedback = course / "feedback"
    if not feedback.is_dir():
        return withheld
    for student_dir in sorted(feedback.iterdir()):
        folder = student_dir / assignment
        if student_dir.is_symlink() or not folder.is_dir() or folder.is_symlink():
            continue
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_symlink() or (path.is_file() and path.suffix != ".html" and path.name not in NBGRADER_FEEDBACK
                                     ) or (not path.is_file() and not path.is_dir()):
                _record(str(course), student_dir.name, assignment, str(path.relative_to(folder)),
                        "not a feedback page: left out of the returned feedback")
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        leaks = scan_feedback(folder, secrets)
        if leaks:
            withheld[student_dir.name] = [str(leak) for leak in leaks]
            target = course / "feedback-withheld" / student_dir.name / assignment
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                shutil.rmtree(target)
            folder.rename(target)
    return withheld


class _SayStream:
    """Progress lines from the parallel grader, through the cycle's reporter (not a terminal)."""

    def __init__(self, say: Callable[[str], None]):
        self.say = say

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> None:
        for line in text.splitlines():
            if line.strip():
                self.say(line.strip())

    def flush(self) -> None:
        pass


def _record_manual_grades(course: Path, spec: Spec) -> None:
    """What a grader does in formgrader: score the written answer with the rubric and leave a comment."""
    from nbgrader.api import Gradebook

    notebook = spec.notebook.removesuffix(".ipynb")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for profile in spec.profiles:
            if profile.manual_score is None:
                continue
            scores = profile.manual_score if isinstance(profile.manual_score, dict) else {
                spec.manual_ids[0]: profile.manual_score}
            for cell_id, score in scores.items():
                grade = gb.find_grade(cell_id, notebook, spec.name, profile.student)
                grade.manual_score = score
                grade.needs_manual_grade = False
                comment = gb.find_comment(cell_id, notebook, spec.name, profile.student)
                comment.manual_comment = f"[simulated grader] {profile.manual_comment}"
        gb.db.commit()


def _summarise(course: Path, homes: Path, spec: Spec, findings: list) -> list[StudentResult]:
    from nbgrader.api import Gradebook

    from nbgrader.api import MissingEntry

    results = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for p in spec.profiles:
            try:
                sub = gb.find_submission(spec.name, p.student)
            except MissingEntry:  # nothing gradable was collected (a notebook left out at collect, say)
                cells = gb.find_assignment(spec.name).notebooks[0].grade_cells
                auto_max = sum(c.max_score for c in cells if c.name not in spec.manual_ids)
                manual_max = sum(c.max_score for c in cells if c.name in spec.manual_ids)
                notes = [str(f) for f in findings if f.student == p.student] + _notes(course, spec, p.student)
                results.append(StudentResult(
                    assignment=spec.name, student=p.student, description=p.description, auto_score=0,
                    auto_max=auto_max, manual_score=None, manual_max=manual_max, total=0,
                    max_total=auto_max + manual_max, expected_auto=p.expected_auto,
                    notes=notes + ["no submission in the gradebook: nothing gradable was collected"]))
                continue
            nb_grades = sub.notebooks[0].grades
            auto = [g for g in nb_grades if g.name not in spec.manual_ids]
            manual = [g for g in nb_grades if g.name in spec.manual_ids]
            manual_score = None
            if manual and not any(g.needs_manual_grade for g in manual):
                manual_score = sum(g.score for g in manual)
            notes = [str(f) for f in findings if f.student == p.student] + _notes(course, spec, p.student)
            feedback = homes / p.student / spec.name / "feedback"
            feedback_files = sorted(feedback.rglob("*.html")) if feedback.exists() else []
            results.append(StudentResult(
                assignment=spec.name, student=p.student, description=p.description,
                auto_score=sum(g.score for g in auto), auto_max=sum(g.max_score for g in auto),
                manual_score=manual_score, manual_max=sum(g.max_score for g in manual),
                total=sub.score, max_total=sub.max_score, expected_auto=p.expected_auto,
                items={g.name: g.score for g in auto}, notes=notes,
                feedback=feedback_files[0] if feedback_files else None,
            ))
    return results


def _notes(course: Path, spec: Spec, student: str) -> list[str]:
    """What happened at execution: time-outs, a kernel that stopped, the student's own errors."""
    notes = []
    files = course / "integrity-files.csv"
    if files.exists():
        with open(files, newline="", encoding="utf-8") as handle:
            notes += [f"{row['file']}: {row['what was done']}" for row in csv.DictReader(handle)
                      if row["student"] == student and row["assignment"] == spec.name]
    path = course / "autograded" / student / spec.name / spec.notebook
    if not path.exists():
        return notes + ["autograde produced no notebook (see nbgrader's log)"]
    graded = nbformat.read(path, as_version=4)
    for cell in graded.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") == "CellTimeoutError":
                notes.append(f"{cell.metadata.get('nbgrader', {}).get('grade_id', 'a cell')}: ran past the "
                             "time limit and was interrupted")
    errors, stopped = 0, 0
    for cell in graded.cells:
        names = {o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"}
        if "KernelStopped" in names:
            stopped += 1
        elif names and "CellTimeoutError" not in names and not cell.metadata.get("nbgrader", {}).get("grade"):
            errors += 1
    if stopped:
        notes.append(f"the kernel stopped early; {stopped} cell(s) never ran (their tests score zero)")
    if errors:
        notes.append(f"{errors} of the student's own cells raised an error (graded anyway)")
    return notes


def format_summary(result: CycleResult) -> str:
    lines = []
    header = f"{'student':10} {'auto':>7} {'written':>8} {'total':>8}  submission"
    for r in result.results:
        if not lines or r.assignment != previous:
            lines += ["", f"Class results for {r.assignment} ({COURSE_ID})", "", header, "-" * len(header)]
            previous = r.assignment
        written = "pending" if r.manual_score is None else f"{r.manual_score:g}/{r.manual_max:g}"
        lines.append(f"{r.student:10} {r.auto_score:>3g}/{r.auto_max:<3g} {written:>8} "
                     f"{r.total:>4g}/{r.max_total:<3g}  {r.description}")
        for note in r.notes:
            lines.append(f"{'':10} {'':>7} {'':>8} {'':>8}  - {note}")
    mismatched = [f"{r.student} ({r.assignment})" for r in result.results if not r.as_expected]
    lines.append("")
    lines.append("Every sample scored as expected." if not mismatched
                 else f"UNEXPECTED SCORES for: {', '.join(mismatched)}")
    lines += [
        "The 'written' column was scored by a simulated grader with the rubric; in a course you grade it in "
        "Formgrader.",
        "",
        f"Gradebook (SQLite): {result.course / 'gradebook.db'}",
        f"Autograded notebooks: {result.course / 'autograded'}",
        f"Feedback (as returned to students): {result.course / 'feedback'}",
        f"Grades CSV: {result.grades_csv} (nbgrader's); for your LMS: {result.root / 'canvas-grades.csv'}, "
        f"{result.root / 'moodle-grades.csv'}, with {result.root / 'lms-export-notes.csv'} (missing, late, ungraded)",
        f"Item analysis (difficulty, discrimination, confusion): {result.course}/item-analysis-<assignment>.html",
        f"Finished in {result.seconds:.0f}s. To grade the written answers by hand: "
        f"cd {result.course} && jupyter lab  (Nbgrader > Formgrader).",
    ]
    return "\n".join(lines)


def read_grades(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main(root: str | None, timeout: int, echo: Callable[[str], None] = print, sandbox: bool = True) -> int:
    try:
        result = run_cycle(Path(root) if root else None, timeout=timeout, sandbox=sandbox)
    except SandboxUnavailable as exc:
        echo(f"ipt-course: {exc}")
        return 3
    echo(format_summary(result))
    return 0 if all(r.as_expected for r in result.results) else 1
