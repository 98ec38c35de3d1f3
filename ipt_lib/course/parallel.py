"""Autograde a whole class on every core, with progress, per-submission failures and resume.

    ipt-course autograde a1_problem_areas [more assignments] [--workers N] [--course DIR] [--force]

nbgrader grades one submission at a time and pays its whole start-up for every `nbgrader autograde --student`
call. Here N worker processes each load the course's nbgrader configuration once and then grade submissions from
a shared queue with nbgrader's own ``Autograde`` converter (the same preprocessors, sandboxed kernel and gradebook
writes as ``nbgrader autograde``), so the scores are nbgrader's. Each submission still gets its own fresh kernel
process in its own sandbox.

**Resume.** A journal (``<course>/.ipt-autograde/<assignment>.json``) records each submission graded, with the
submission's timestamp. Running again grades only what is missing or was submitted again; a crash or Ctrl-C
loses nothing already graded, and a submission that was being graded when the run stopped is graded afresh.

**The gradebook.** Workers write to the same gradebook. For SQLite, concurrent writers are serialised by SQLite's
file lock; a write that still meets "database is locked" is retried (the whole submission, up to 3 times), and the
test suite checks that parallel scores equal sequential ``nbgrader autograde`` scores item by item.

**Speed.** Besides the workers, the warm kernels (ipt_lib/course/warm_kernels.py) and the speed-ups of nbgrader's
own bookkeeping (ipt_lib/course/nbgrader_speedups.py, for the nbgrader releases they were written for);
``benchmarks/bench_autograde.py`` measures them against plain nbgrader in the same run.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

JOURNAL_DIR = ".ipt-autograde"
LOCKED_RETRIES = 3


@dataclass
class Outcome:
    student: str
    assignment: str
    ok: bool
    seconds: float
    message: str = ""
    cpu: float = 0.0  # CPU seconds the worker itself spent on it (nbgrader's bookkeeping and the kernel client)


@dataclass
class RunSummary:
    graded: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    kernels: int = 0  # warm kernels that finished, and their CPU seconds (start, the student's cells, exit)
    kernel_cpu: float = 0.0

    @property
    def worker_cpu(self) -> float:
        """CPU seconds the workers spent (nbgrader's bookkeeping and the kernel client)."""
        return sum(o.cpu for o in self.graded + self.failed)

    @property
    def per_minute(self) -> float:
        n = len(self.graded) + len(self.failed)
        return 60.0 * n / self.seconds if self.seconds else 0.0


# --- the journal ----------------------------------------------------------------------------------------------

def _journal_path(course: Path, assignment: str) -> Path:
    return course / JOURNAL_DIR / f"{assignment}.json"


def read_journal(course: Path, assignment: str) -> dict[str, str]:
    path = _journal_path(course, assignment)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.get("graded", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _write_journal(course: Path, assignment: str, graded: dict[str, str]) -> None:
    from ..storage import atomic_write_json

    atomic_write_json(_journal_path(course, assignment), {"schema": 1, "graded": graded})


def _submission_stamp(course: Path, student: str, assignment: str) -> str:
    path = course / "submitted" / student / assignment / "timestamp.txt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def plan(course: Path, assignment: str, force: bool = False) -> tuple[list[str], list[str]]:
    """(students to grade, students already graded and unchanged)."""
    submitted = course / "submitted"
    students = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    done = {} if force else read_journal(course, assignment)
    todo, skipped = [], []
    for student in students:
        if done.get(student) == _submission_stamp(course, student, assignment) and \
                (course / "autograded" / student / assignment).is_dir():
            skipped.append(student)
        else:
            todo.append(student)
    return todo, skipped


# --- workers ----------------------------------------------------------------------------------------------------

def _load_config(course: Path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


def _grade_one(config, course: Path, assignment: str, student: str) -> tuple[bool, str]:
    import logging

    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory

    partial = course / "autograded" / student / assignment
    if partial.exists():  # an earlier run stopped while grading it, or it was submitted again
        shutil.rmtree(partial)
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course)
    coursedir.assignment_id = assignment
    coursedir.student_id = student
    from .folderguard import vet_submitted

    vet_submitted(str(course), student, assignment)  # links, pipes, huge files: to quarantine/, never opened
    converter = Autograde(coursedir=coursedir, config=config)
    converter.force = True
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    handler = Keep()
    converter.log.addHandler(handler)
    try:
        converter.start()
    except Exception as exc:  # noqa: BLE001 - nbgrader raises NbGraderException after logging the cause
        errors = [m for m in messages if "error" in m.lower() or "Traceback" in m] or [str(exc)]
        return False, errors[-1].strip().splitlines()[-1][:300]
    finally:
        converter.log.removeHandler(handler)
    return True, ""


def _worker_main(course: str, assignment: str, kernel: str = "") -> int:
    """A worker process: reads student ids on stdin, grades each, writes one JSON line per result on stdout."""
    import logging

    from . import nbgrader_speedups

    os.chdir(course)
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    bindir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    # The protocol gets its own copy of stdout; fd 1 then points at the log, so that nothing nbgrader or a kernel
    # process prints (kernels inherit fd 1) can mix into the protocol.
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    course_path = Path(course)
    speedups = nbgrader_speedups.apply()  # before anything imports jsonschema or nbgrader (the config does)
    config = _load_config(course_path)
    if speedups:
        nbgrader_speedups.configure(config)
    if kernel:
        config.Execute.kernel_name = kernel
    if "ip" in config.KernelManager and config.KernelManager.get("transport") == "ipc":
        # IPC sockets are files named <ip>-<n>: workers sharing one <ip> would pick the same n and talk to each
        # other's kernels. Each worker gets its own folder inside the (sandbox-bound) IPC folder.
        own = Path(str(config.KernelManager.ip)).parent / f"w{os.getpid()}"
        own.mkdir(parents=True, exist_ok=True)
        config.KernelManager.ip = str(own / "kernel")
    # the parent's limit per submission comes from this configuration: the parent then need not import nbgrader
    # (about a second of CPU, on the cores the workers and the fork server are starting on)
    try:
        cell = float(config.ExecutePreprocessor.get("timeout", 30))
    except (TypeError, ValueError):
        cell = 30.0
    out.write(json.dumps({"ready": True, "limit": _limit_for(cell)}) + "\n")
    out.flush()
    for line in sys.stdin:
        student = line.strip()
        if not student:
            continue
        started, cpu = time.perf_counter(), time.process_time()
        for attempt in range(LOCKED_RETRIES):
            ok, message = _grade_one(config, course_path, assignment, student)
            if ok or "database is locked" not in message:
                break
            time.sleep(0.5 * (attempt + 1))
        out.write(json.dumps({"student": student, "ok": ok, "seconds": time.perf_counter() - started,
                              "cpu": time.process_time() - cpu, "message": message}) + "\n")
        out.flush()
    return 0


class _Worker:
    """One worker process and the thread that feeds it students from the shared queue."""

    def __init__(self, course: Path, assignment: str, jupyter_path: Path | None, index: int, todo: "queue.Queue",
                 results: "queue.Queue", kernel: str = "", gate=None):
        import subprocess
        import threading

        env = dict(os.environ)
        if jupyter_path:
            env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_path), env.get("JUPYTER_PATH")]))
        log_dir = course / JOURNAL_DIR
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(log_dir / f"{assignment}-worker{index}.log", "a", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "ipt_lib.course.parallel", "--worker", str(course),
                                      assignment, kernel], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, env=env, cwd=course)
        self.todo, self.results, self.assignment = todo, results, assignment
        self.busy_since: float | None = None
        self.student = ""
        self.stopped_because = ""
        self.limit = _limit_for(30.0)  # until the worker says what its configuration's cell time limit gives
        self.gate = gate  # a threading.Event set once the worker may be given students (the fork server is ready)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        assert self.proc.stdin and self.proc.stdout
        ready = self.proc.stdout.readline()
        if not ready:
            return  # the worker could not start: its log says why
        try:
            self.limit = float(json.loads(ready).get("limit", self.limit))
        except (ValueError, TypeError, AttributeError):
            pass
        if self.gate is not None:
            self.gate.wait()
        while True:
            try:
                student = self.todo.get_nowait()
            except queue.Empty:
                break
            self.busy_since, self.student = time.monotonic(), student
            try:
                self.proc.stdin.write(student + "\n")
                self.proc.stdin.flush()
                reply = self.proc.stdout.readline()
            except (BrokenPipeError, OSError):
                reply = ""
            self.busy_since = None
            if not reply:  # the worker died (killed, out of memory, stuck and stopped): report; the others go on
                why = self.stopped_because or "the worker process stopped"
                self.results.put(Outcome(student, self.assignment, False, 0.0,
                                         f"{why}; run the command again to grade this submission"))
                return
            try:
                data = json.loads(reply)
            except ValueError:
                self.log.write(f"unexpected line from the worker: {reply!r}\n")
                self.results.put(Outcome(student, self.assignment, False, 0.0, "the worker's reply could not be "
                                         "read; run the command again to grade this submission"))
                continue
            self.results.put(Outcome(data["student"], self.assignment, data["ok"], data["seconds"], data["message"],
                                     data.get("cpu", 0.0)))
        self.close()

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.proc.kill()
        self.log.close()

    def alive(self) -> bool:
        return self.thread.is_alive()

    def stop_if_stuck(self, limit: float | None = None) -> bool:
        """Kill the worker if one submission has taken longer than ``limit`` seconds (default: the worker's own, from
        the course's cell time limit) (a hung kernel or library)."""
        limit = self.limit if limit is None else limit
        if self.busy_since is not None and time.monotonic() - self.busy_since > limit and self.proc.poll() is None:
            self.stopped_because = f"grading took longer than {limit:.0f}s and was stopped"
            self.proc.kill()
            return True
        return False


# --- the command ----------------------------------------------------------------------------------------------

class Progress:
    """A one-line progress bar on a terminal; plain lines (every 10%) elsewhere."""

    def __init__(self, total: int, label: str, stream=None):
        self.total, self.label, self.done, self.failed = total, label, 0, 0
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.perf_counter()
        self._last_decile = -1

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += not outcome.ok
        if not outcome.ok:
            self._line(f"  FAILED {outcome.student}: {outcome.message}")
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed else 0
        eta = (self.total - self.done) / rate if rate else 0
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        text = (f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"({rate * 60:.0f}/min, {self.failed} failed, about {eta:.0f}s left)")
        if self.tty:
            self.stream.write("\r" + text)
            self.stream.flush()
            if self.done == self.total:
                self.stream.write("\n")
        else:
            decile = int(10 * self.done / self.total) if self.total else 10
            if decile != self._last_decile or self.done == self.total:
                self._last_decile = decile
                self._line(text)

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + " " * 100 + "\r")
        self.stream.write(text + "\n")
        self.stream.flush()


def autograde(course: Path, assignments: list[str], *, workers: int | None = None, force: bool = False,
              jupyter_path: Path | None = None, echo: Callable[[str], None] = print,
              progress_stream=None, warm: bool = False) -> dict[str, RunSummary]:
    """Grade every submission of ``assignments`` in ``course`` with ``workers`` processes (default:
    ``default_workers``: one per core, or twice that for warm kernels).

    ``warm``: take each kernel from a fork server that has already imported the scientific libraries (see
    ipt_lib.course.warm_kernels), sandboxed like the ipt-sandbox kernel whose kernelspec is in ``jupyter_path``.
    """
    from .nbgrader_speedups import unsupported_warning

    course = Path(course).resolve()
    warning = unsupported_warning()
    if warning:
        echo(warning)
    if warm:
        from contextlib import ExitStack

        from .warm_kernels import KERNEL_NAME, start_warm_kernels

        with ExitStack() as stack:
            # the workers start (their imports: about a second of CPU each) while the server imports the libraries;
            # they get their first submission once it is ready
            server = start_warm_kernels(course, jupyter_path, stack, wait=False)
            return _autograde(course, assignments, workers=workers, force=force, jupyter_path=server.share,
                              echo=echo, progress_stream=progress_stream, kernel=KERNEL_NAME, server=server)
    return _autograde(course, assignments, workers=workers, force=force, jupyter_path=jupyter_path, echo=echo,
                      progress_stream=progress_stream)


def _limit_for(cell: float) -> float:
    """How long one submission may take before its worker is stopped: generous, from the cell time limit."""
    return max(120.0, 8 * cell)


def _submission_limit(course: Path) -> float:
    """:func:`_limit_for` the cell time limit of ``course``'s configuration (imports nbgrader: the workers say it)."""
    try:
        cell = float(_load_config(course).ExecutePreprocessor.get("timeout", 30))
    except Exception:  # noqa: BLE001
        cell = 30.0
    return _limit_for(cell)


def default_workers(warm: bool) -> int:
    """One worker per core with cold kernels (each kernel's start-up keeps a core busy); with warm kernels a worker
    waits for its kernel about half the time, so twice as many (at most four more than cores; more only add
    contention: ``benchmarks/bench_autograde.py --workers N`` compares)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return min(2 * cores, cores + 4) if warm else cores


def _autograde(course: Path, assignments: list[str], *, workers: int | None, force: bool,
               jupyter_path: Path | None, echo: Callable[[str], None], progress_stream,
               kernel: str = "", server=None) -> dict[str, RunSummary]:
    workers = max(1, workers or default_workers(warm=bool(kernel)))
    summaries: dict[str, RunSummary] = {}
    for assignment in assignments:
        todo, skipped = plan(course, assignment, force)
        summary = RunSummary(skipped=skipped)
        summaries[assignment] = summary
        if skipped:
            echo(f"{assignment}: {len(skipped)} submission(s) already graded and unchanged (use --force to regrade)")
        if not todo:
            echo(f"{assignment}: nothing to grade")
            continue
        journal = read_journal(course, assignment) if not force else {}
        todo_queue: queue.Queue = queue.Queue()
        results: queue.Queue = queue.Queue()
        for student in todo:
            todo_queue.put(student)
        count = min(workers, len(todo))
        before: dict = {}
        started = time.perf_counter()
        gate = threading.Event()
        pool = [_Worker(course, assignment, jupyter_path, i, todo_queue, results, kernel, gate)
                for i in range(count)]
        retired: list[_Worker] = []
        bar = Progress(len(todo), f"{assignment} ({count} workers)", progress_stream)
        received = 0
        try:
            if server is not None:
                server.wait_ready()  # the first time: while the workers were starting
                before = server.stats()
            gate.set()
            while received < len(todo):
                try:
                    outcome = results.get(timeout=1.0)
                except queue.Empty:
                    for worker in list(pool):
                        worker.stop_if_stuck()
                        if not worker.alive() and worker.proc.poll() is not None and not todo_queue.empty():
                            # a worker that stopped (killed, crashed, stuck) is replaced while there is work left
                            pool.remove(worker)
                            retired.append(worker)
                            pool.append(_Worker(course, assignment, jupyter_path, len(pool) + len(retired),
                                                todo_queue, results, kernel, gate))
                    if not any(w.alive() for w in pool) and results.empty():
                        raise RuntimeError("every autograde worker stopped before the class was graded (see "
                                           f"{course / JOURNAL_DIR}/*.log); run the command again to grade what "
                                           "is left") from None
                    continue
                received += 1
                (summary.graded if outcome.ok else summary.failed).append(outcome)
                if outcome.ok:
                    journal[outcome.student] = _submission_stamp(course, outcome.student, assignment)
                    _write_journal(course, assignment, journal)
                bar.update(outcome)
        finally:
            for worker in pool + retired:
                worker.thread.join(timeout=15)
                if worker.proc.poll() is None:
                    worker.proc.kill()
        summary.seconds = time.perf_counter() - started
        if server:
            after = server.stats()
            summary.kernels = after.get("kernels", 0) - before.get("kernels", 0)
            summary.kernel_cpu = sum(after.get(k, 0.0) - before.get(k, 0.0) for k in ("user", "system"))
        echo(f"{assignment}: graded {len(summary.graded)}, failed {len(summary.failed)} in {summary.seconds:.0f}s "
             f"({summary.per_minute:.0f} submissions/min)")
    return summaries


def main(argv: list[str] | None = None) -> int:
    import argparse

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        return _worker_main(*argv[1:4])

    parser = argparse.ArgumentParser(prog="ipt-course autograde")
    parser.add_argument("assignments", nargs="+")
    parser.add_argument("--course", default=".", help="the course folder (with nbgrader_config.py)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core; "
                        "with --warm twice that, at most cores + 4)")
    parser.add_argument("--force", action="store_true", help="regrade everything, not only what is left")
    parser.add_argument("--jupyter-path", default=None, help="folder with the ipt-sandbox kernelspec")
    parser.add_argument("--warm", action="store_true",
                        help="take kernels from a sandboxed fork server with the libraries already imported")
    args = parser.parse_args(argv)
    summaries = autograde(Path(args.course), args.assignments, workers=args.workers, force=args.force,
                          jupyter_path=Path(args.jupyter_path) if args.jupyter_path else None, warm=args.warm)
    return 1 if any(s.failed for s in summaries.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
