"""Autograde a whole class on every core, with progress, per-submission failures and resume.

    ipt-course autograde a1_problem_areas [more assignments] [--workers N] [--course DIR] [--force]

nbgrader grades one submission at a time and pays its whole start-up for every `nbgrader autograde --student`
call. Here N worker processes each load the course's nbgrader configuration once and then grade submissions from
a shared queue with nbgrader's own ``Autograde`` converter (the same preprocessors, sandboxed kernel and gradebook
writes as ``nbgrader autograde``), so the scores are nbgrader's. Each submission still gets its own fresh kernel
process in its own sandbox.

**The workers' start.** The workers are forked from one process (the zygote, :func:`_zygote_main`) that has
imported nbgrader, nbclient, jupyter_client and the course's preprocessors once, instead of each worker importing
them (about 1.1 s of CPU per worker on a 2-core machine of this kind). The grader's own process imports none of
it, and the zygote is not the kernels' fork server: kernels still come from the sandboxed server (warm) or a fresh
sandboxed Python (cold). ``IPT_AUTOGRADE_ZYGOTE=0`` starts each worker as its own Python, as before.

**How many workers.** One per core at the start (one more with warm kernels); then :class:`WorkerCount` measures
the first submissions (the CPU the run kept busy against the wall time) and adds as many workers as it takes to keep
every core busy, never more than :func:`default_workers`. ``--workers N`` or ``IPT_AUTOGRADE_WORKERS=N`` fixes the count. The run's summary line
says the count and how it was chosen.

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
    child_cpu: float = 0.0  # CPU seconds of the worker's children that ended meanwhile (cold kernels)


@dataclass
class RunSummary:
    graded: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    kernels: int = 0  # warm kernels that finished, and their CPU seconds (start, the student's cells, exit)
    kernel_cpu: float = 0.0
    workers: int = 0  # the worker count the run ended with, and how it was chosen
    workers_note: str = ""
    worker_start: list[float] = field(default_factory=list)  # seconds from each worker's start to its ready line

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


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
        children = _children_cpu()
        for attempt in range(LOCKED_RETRIES):
            ok, message = _grade_one(config, course_path, assignment, student)
            if ok or "database is locked" not in message:
                break
            time.sleep(0.5 * (attempt + 1))
        out.write(json.dumps({"student": student, "ok": ok, "seconds": time.perf_counter() - started,
                              "cpu": time.process_time() - cpu, "child_cpu": _children_cpu() - children,
                              "message": message}) + "\n")
        out.flush()
    return 0


# --- the workers' start: forked from one process that has already imported nbgrader ------------------------------

# What a worker imports before its first submission is graded: about 1.1 s of CPU per worker on a 2-core machine
# of this kind (6 s on a slow one), paid once here instead of once per worker. Nothing here opens a gradebook,
# starts a thread or touches a submission: the zygote holds nothing a worker must not share with the others.
# (Kernels never come from here: they run in the sandboxed fork server, ipt_lib/course/forkserver.py.)
PRELOAD = ("traitlets.config.loader", "sqlalchemy", "sqlalchemy.orm", "jupyter_client.manager",
           "jupyter_client.asynchronous", "nbclient", "nbconvert.preprocessors", "nbgrader.api", "nbgrader.coursedir",
           "nbgrader.preprocessors", "nbgrader.converters", "nbgrader.converters.autograde", "ipt_lib.course.config",
           "ipt_lib.course.preprocessors", "ipt_lib.course.folderguard", "ipt_lib.course.warm_kernels",
           "ipt_lib.course.forkserver", "ipt_lib.course.sandbox", "IPython.core.formatters", "nbclient.output_widget",
           # what a worker's first submission imported after the above (benchmarks/profile_warm.py --experiment first)
           "sqlite3", "sqlalchemy.dialects.sqlite", "ipt_lib.course.cells", "ipt_lib.grading.cell_text")
def _warm_up() -> None:
    """What every worker's first submission did for itself before its first cell, done once in the zygote after its
    imports (measured: each worker's first submission took 0.27 s of CPU against 0.12 s for the next; cProfile put
    about half of the difference here): SQLAlchemy's mapper configuration of nbgrader's gradebook classes, and the
    compilation of nbformat's notebook schema and of its part for outputs (``nbgrader_speedups``). No gradebook is
    opened and no file is touched; a failure only leaves the work to the workers."""
    try:
        import sqlalchemy.orm
        from nbgrader import api  # noqa: F401 - the classes to configure

        sqlalchemy.orm.configure_mappers()
    except Exception:  # noqa: BLE001 - only speed is at stake
        pass
    try:
        import nbformat
        from nbformat import v4

        cell = v4.new_code_cell("x", outputs=[
            v4.new_output("stream", name="stdout", text="x"),
            v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1),
            v4.new_output("display_data", data={"text/plain": "1"}),
            v4.new_output("error", ename="E", evalue="e", traceback=[])])
        notebook = v4.new_notebook(cells=[cell, v4.new_markdown_cell("x")])
        nbformat.validate(notebook)
        nbformat.validate(notebook, relax_add_props=True)  # as nbconvert's exporter checks a notebook
        nbformat.reads(nbformat.writes(notebook), as_version=4)
    except Exception:  # noqa: BLE001
        pass


ZYGOTE_ENV = "IPT_AUTOGRADE_ZYGOTE"  # "0": start every worker as its own Python process (as before)


def _zygote_main() -> int:
    """The zygote: imports what a worker needs (:data:`PRELOAD`), then forks one worker per request.

    fd 0 is a SOCK_SEQPACKET socket to the grader's process. A request is one JSON message (course, assignment,
    kernel, the worker's environment and log file) with one file descriptor attached: the worker's end of its own
    socket, which becomes the worker's stdin and protocol stdout (the same line protocol as a worker started with
    ``python -m ipt_lib.course.parallel --worker``). The answer is the worker's pid. The zygote stops when the
    grader closes its end.
    """
    import importlib
    import signal
    import socket

    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    import warnings

    warnings.simplefilter("ignore")
    from . import nbgrader_speedups

    nbgrader_speedups.apply()  # first: before jsonschema or nbgrader is imported
    failed = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a worker imports what it needs itself; this only saves time
            failed.append(f"{name}: {exc}")
    _warm_up()
    # Everything imported so far lives as long as the workers do: out of the garbage collector's sight (Python's
    # advice for a process that forks workers). A worker's full collection otherwise walked all of it, about 90 ms,
    # and wrote to the header of every object, copying 10,000 of the zygote's pages into each worker (measured);
    # workers made one every 30 submissions or so.
    import gc

    gc.collect()
    gc.freeze()
    control = socket.socket(fileno=os.dup(0))  # off fd 0, which each worker gets for its own socket
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the workers are reaped by the kernel, not by the zygote
    control.send(json.dumps({"ready": True, "threads": threading.active_count(), "failed": failed}).encode())
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 1 << 20, 1)
        except OSError:
            break
        if not message:
            break
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"error": "a request must carry one socket"}).encode())
            continue
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                control.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # jupyter_client waits for its (cold) kernels
                import random

                random.seed()  # not the zygote's sequence in every worker
                log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                os.dup2(fds[0], 0)
                os.dup2(fds[0], 1)
                os.dup2(log, 2)
                os.close(fds[0])
                os.close(log)
                sys.stdin = open(0, "r", encoding="utf-8", closefd=False)
                sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)
                os.environ.clear()
                os.environ.update(request["env"])
                code = _worker_main(request["course"], request["assignment"], request["kernel"])
            except BaseException:  # noqa: BLE001 - say why in the worker's log, never return into the zygote
                import traceback

                traceback.print_exc()
            finally:
                try:
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        os.close(fds[0])
        control.send(json.dumps({"pid": pid}).encode())
    # Nothing is left to clean up (no files, no gradebook, no thread): skip the interpreter's teardown of everything
    # imported above (0.3-0.4 s at the end of every run, measured)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class _ForkedProcess:
    """What ``_Worker`` needs of a ``subprocess.Popen`` (stdin, stdout, poll, wait, kill) for a worker forked by the
    zygote: not the grader's child, so it is watched through a pidfd (or signal 0 where pidfds are missing)."""

    def __init__(self, pid: int, sock) -> None:
        self.pid, self.sock, self.returncode = pid, sock, None
        try:
            self.pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.pidfd = None
        self.stdin = sock.makefile("w", encoding="utf-8", newline="\n")
        self.stdout = sock.makefile("r", encoding="utf-8", newline="\n")
        self._closed_stdin = False

    def poll(self):
        if self.returncode is None:
            import select

            if self.pidfd is not None:
                gone = bool(select.select([self.pidfd], [], [], 0)[0])
            else:
                try:
                    os.kill(self.pid, 0)
                    gone = False
                except ProcessLookupError:
                    gone = True
                except PermissionError:
                    gone = False
            if gone:
                self.returncode = -1  # the zygote's child: its exit status is not ours to read
                self._release()
        return self.returncode

    def wait(self, timeout: float | None = None):
        import subprocess

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode

    def kill(self) -> None:
        import signal

        if self.poll() is not None:
            return
        try:
            if self.pidfd is not None and hasattr(signal, "pidfd_send_signal"):
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass

    def close_stdin(self) -> None:
        import socket

        if not self._closed_stdin:
            self._closed_stdin = True
            try:
                self.stdin.close()
                self.sock.shutdown(socket.SHUT_WR)  # the worker's loop reads the end of its input and stops
            except OSError:
                pass

    def _release(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


class Zygote:
    """The grader's side of :func:`_zygote_main`. ``spawn`` returns a :class:`_ForkedProcess`, or None when the
    zygote could not start or has stopped (the worker is then started as its own Python process)."""

    def __init__(self, log: Path) -> None:
        import socket
        import subprocess

        self._lock = threading.Lock()
        self.ready: bool | None = None  # None until the zygote has said it is ready (or has failed)
        self.note = ""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._sock = ours
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log, "a", encoding="utf-8")
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "ipt_lib.course.parallel", "--zygote"], stdin=theirs,
                                         stdout=self._log, stderr=self._log)
        except OSError as exc:
            self.proc = None
            self.ready, self.note = False, f"the zygote could not start: {exc}"
        theirs.close()

    def _wait_ready(self) -> bool:
        if self.ready is None:
            try:
                data = json.loads(self._sock.recv(1 << 16) or b"{}")
            except (OSError, ValueError):
                data = {}
            self.ready = bool(data.get("ready"))
            if not self.ready:
                self.note = "the zygote stopped before it was ready (see its log)"
            elif data.get("threads", 1) != 1:  # forking a process with threads would copy their locks mid-use
                self.ready, self.note = False, f"the zygote had {data['threads']} threads after its imports"
                self.close()
        return bool(self.ready)

    def spawn(self, course: Path, assignment: str, kernel: str, env: dict, log: Path) -> "_ForkedProcess | None":
        import socket

        with self._lock:
            if not self._wait_ready():
                return None
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            request = {"course": str(course), "assignment": assignment, "kernel": kernel, "env": env,
                       "log": str(log)}
            try:
                socket.send_fds(self._sock, [json.dumps(request).encode()], [theirs.fileno()])
                reply = json.loads(self._sock.recv(1 << 16) or b"{}")
            except (OSError, ValueError):
                reply = {}
            finally:
                theirs.close()
            if "pid" not in reply:
                ours.close()
                self.ready, self.note = False, f"the zygote stopped answering ({reply.get('error', 'no answer')})"
                return None
            return _ForkedProcess(int(reply["pid"]), ours)

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except Exception:  # noqa: BLE001
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def _zygote_wanted() -> bool:
    return os.environ.get(ZYGOTE_ENV, "1").strip().lower() not in ("0", "no", "false", "off")


class _Worker:
    """One worker process and the thread that feeds it students from the shared queue."""

    def __init__(self, course: Path, assignment: str, jupyter_path: Path | None, index: int, todo: "queue.Queue",
                 results: "queue.Queue", kernel: str = "", gate=None, zygote: "Zygote | None" = None):
        import subprocess

        env = dict(os.environ)
        if jupyter_path:
            env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_path), env.get("JUPYTER_PATH")]))
        log_dir = course / JOURNAL_DIR
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{assignment}-worker{index}.log"
        self.log = open(log_path, "a", encoding="utf-8")
        self.proc = zygote.spawn(course, assignment, kernel, env, log_path) if zygote is not None else None
        self.forked = self.proc is not None
        if self.proc is None:
            self.proc = subprocess.Popen([sys.executable, "-m", "ipt_lib.course.parallel", "--worker", str(course),
                                          assignment, kernel], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.log, text=True, env=env, cwd=course)
        self.started = time.perf_counter()
        self.ready_after: float | None = None  # seconds from the start to the worker's ready line
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
        try:
            ready = self.proc.stdout.readline()
        except OSError:
            ready = ""
        if not ready:
            return  # the worker could not start: its log says why
        self.ready_after = time.perf_counter() - self.started
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
                                     data.get("cpu", 0.0), data.get("child_cpu", 0.0)))
        self.close()

    def close(self) -> None:
        try:
            if isinstance(self.proc, _ForkedProcess):
                self.proc.close_stdin()
            elif self.proc.stdin:
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

    ``warm``: take each kernel from a fork server that has already imported what the assignments' notebooks
    import (see ipt_lib.course.warm_kernels and ``forkserver.preload_for``), sandboxed like the ipt-sandbox kernel
    whose kernelspec is in ``jupyter_path``.
    """
    from .nbgrader_speedups import unsupported_warning

    from contextlib import ExitStack

    course = Path(course).resolve()
    warning = unsupported_warning()
    if warning:
        echo(warning)
    if workers is None:
        workers = workers_from_environment(echo)
    with ExitStack() as stack:
        server = None
        if warm:
            from .forkserver import KERNEL_NAME, preload_for, start_warm_kernels

            # first, since its imports take longest (measured: ready 0.8-1 s after it starts; the zygote 0.6 s): the
            # workers start while the server imports the libraries and get their first submission once it is ready.
            # It imports what the assignments' own (source) notebooks import.
            preload = preload_for(_source_notebooks(course, assignments))
            server = start_warm_kernels(course, jupyter_path, stack, wait=False, preload=preload)
        zygote = None
        if _zygote_wanted():
            # it imports nbgrader once (about a second of CPU) while the fork server imports the libraries; every
            # worker is then a fork of it
            zygote = Zygote(course / JOURNAL_DIR / "zygote.log")
            stack.callback(zygote.close)
        if server is not None:
            return _autograde(course, assignments, workers=workers, force=force, jupyter_path=server.share,
                              echo=echo, progress_stream=progress_stream, kernel=KERNEL_NAME, server=server,
                              zygote=zygote)
        return _autograde(course, assignments, workers=workers, force=force, jupyter_path=jupyter_path, echo=echo,
                          progress_stream=progress_stream, zygote=zygote)


def _source_notebooks(course: Path, assignments: list[str]) -> list[Path]:
    """The instructor's notebooks of ``assignments`` (nbgrader's ``source`` folder); none if one has none."""
    found: list[Path] = []
    for assignment in assignments:
        notebooks = sorted((course / "source" / assignment).glob("*.ipynb"))
        if not notebooks:
            return []
        found.extend(notebooks)
    return found


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


WORKERS_ENV = "IPT_AUTOGRADE_WORKERS"  # a fixed worker count, like --workers


def _cores() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return list(range(os.cpu_count() or 1))


def _idle_seconds(cpus: list[int]) -> float | None:
    """Idle (and I/O wait) seconds so far of the CPUs ``cpus``, from /proc/stat; None where it cannot be read."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
        tick = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    wanted, total, seen = {f"cpu{c}" for c in cpus}, 0, 0
    for line in lines:
        fields = line.split()
        if fields and fields[0] in wanted and len(fields) > 5:
            total += int(fields[4]) + int(fields[5])
            seen += 1
    return total / tick if seen else None


def workers_from_environment(echo: Callable[[str], None] = print) -> int | None:
    """A fixed worker count from IPT_AUTOGRADE_WORKERS (a positive number), or None (bad values are said, ignored)."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
        if value < 1:
            raise ValueError
    except ValueError:
        echo(f"{WORKERS_ENV}={raw!r} is not a positive whole number: ignored, the worker count is measured")
        return None
    return value


class WorkerCount:
    """The worker count, chosen from a short measurement at the start of the run.

    The run starts with :func:`start_workers` (one per core, one more for warm kernels). After each of them has graded its first submission (which still pays
    for what the preloaded zygote could not import), a window of at least ``window`` submissions and
    ``min_seconds`` is measured: the CPU seconds the run itself used (the workers', their kernels': from wait4 for
    warm kernels, RUSAGE_CHILDREN for cold ones) against the wall time. A worker keeps ``ours / k`` cores busy on
    average (the rest of its time it waits: for its kernel's messages, the gradebook's fsync and lock, a core that
    another program holds); ``cores / (ours / k)`` workers keep every core busy. The count becomes that (to the
    nearest whole worker), never
    fewer than the start and never more than :func:`default_workers` (twice the cores, at most four more: past
    that, workers only queue for the same cores and the same gradebook lock). The cores' idle time (/proc/stat) is
    measured too and said in the note, for the record."""

    def __init__(self, start: int, cap: int, window: int | None = None, min_seconds: float = 3.0,
                 cpus: list[int] | None = None):
        self.count, self.cap, self.start = start, max(cap, start), start
        self.window = window or max(2 * start, 4)
        self.min_seconds = min_seconds
        self.cpus = cpus if cpus is not None else _cores()
        self.seen = 0
        self.decided = False
        self.note = f"{start} (at the start; measuring)"
        self._t0 = self._idle0 = self._kernel0 = None
        self._cpu = 0.0

    def observe(self, outcome: Outcome, kernel_cpu: Callable[[], float]) -> int | None:
        """Count one finished submission; return the new worker count when the measurement decides to add some."""
        if self.decided:
            return None
        self.seen += 1
        if self.seen == self.start:  # every first worker has graded once: the window starts now
            self._t0, self._idle0, self._kernel0 = time.perf_counter(), _idle_seconds(self.cpus), kernel_cpu()
            return None
        if self._t0 is None:
            return None
        self._cpu += outcome.cpu + outcome.child_cpu
        elapsed = time.perf_counter() - self._t0
        if self.seen - self.start < self.window or elapsed < self.min_seconds:
            return None
        return self.decide(elapsed, _idle_seconds(self.cpus), kernel_cpu())

    def decide(self, elapsed: float, idle_now: float | None, kernel_now: float) -> int | None:
        import math

        self.decided = True
        if elapsed <= 0:
            return None
        ours = (self._cpu + kernel_now - (self._kernel0 or 0.0)) / elapsed  # cores this run kept busy
        idle = None if idle_now is None or self._idle0 is None else max(0.0, (idle_now - self._idle0) / elapsed)
        per_worker = ours / self.count if self.count else 0.0
        if per_worker <= 0.01:
            self.note = f"{self.count} (as at the start: the run's CPU time could not be measured)"
            return None
        # to the nearest whole worker: one more that would find less than half a core to use only adds contention
        # (measured on an idle 2-core machine: 4 workers where 3 kept the cores busy cost 15% more CPU per
        # submission, in the workers and the kernels alike, and the run took 10% longer)
        wanted = math.floor(len(self.cpus) / per_worker + 0.5)
        chosen = max(self.count, min(self.cap, wanted))
        self.note = (f"{chosen} (measured over {self.seen - self.start} submissions, {elapsed:.1f}s, with "
                     f"{self.count}: each kept {per_worker:.2f} of a core busy, {len(self.cpus) / per_worker:.1f} "
                     f"would keep {len(self.cpus)} cores busy"
                     + (f"; {idle:.2f} cores were idle" if idle is not None else "") + f"; at most {self.cap})")
        if chosen == self.count:
            return None
        self.count = chosen
        return chosen


def start_workers(warm: bool) -> int:
    """The worker count a run starts with, before :class:`WorkerCount` has measured: one per core, and one more for
    warm kernels. A warm worker keeps about 0.85 of a core busy on an idle machine and less on a loaded one (it waits
    for its kernel's messages and the gradebook), so one per core left a seventh of two cores idle for the first
    seconds of every run, which the measurement then corrected (to 3 on an idle 2-core machine, 4 on a loaded one:
    benchmarks/FINDINGS-warm-path.md)."""
    return len(_cores()) + (1 if warm else 0)


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
               kernel: str = "", server=None, zygote: "Zygote | None" = None) -> dict[str, RunSummary]:
    cap = default_workers(warm=bool(kernel))
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
        chooser = None
        if workers:
            count = min(max(1, workers), len(todo))
            summary.workers_note = f"{count} (fixed: --workers or {WORKERS_ENV})"
        else:
            count = min(start_workers(warm=bool(kernel)), cap, len(todo))
            if len(todo) > count and min(cap, len(todo)) > count:
                chooser = WorkerCount(count, min(cap, len(todo)))
            summary.workers_note = f"{count} (one per core{' and one more' if kernel else ''})"
        before: dict = {}
        started = time.perf_counter()
        gate = threading.Event()
        new_worker = lambda i: _Worker(course, assignment, jupyter_path, i, todo_queue, results,  # noqa: E731
                                       kernel, gate, zygote)
        pool = [new_worker(i) for i in range(count)]
        retired: list[_Worker] = []

        def kernel_cpu() -> float:
            if server is None:
                return 0.0
            try:
                stats = server.stats()
            except Exception:  # noqa: BLE001 - the measurement then counts the workers' CPU only
                return 0.0
            return stats.get("user", 0.0) + stats.get("system", 0.0)
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
                            pool.append(new_worker(len(pool) + len(retired)))
                    if not any(w.alive() for w in pool) and results.empty():
                        raise RuntimeError("every autograde worker stopped before the class was graded (see "
                                           f"{course / JOURNAL_DIR}/*.log); run the command again to grade what "
                                           "is left") from None
                    continue
                received += 1
                (summary.graded if outcome.ok else summary.failed).append(outcome)
                if chooser is not None:
                    chosen = chooser.observe(outcome, kernel_cpu)
                    if chosen is not None and not todo_queue.empty():
                        for _ in range(chosen - len(pool)):
                            pool.append(new_worker(len(pool) + len(retired)))
                    if chooser.decided:
                        summary.workers_note = chooser.note
                        chooser = None
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
        summary.workers = len(pool)
        summary.worker_start = [w.ready_after for w in pool + retired if w.ready_after is not None]
        if server:
            after = server.stats()
            summary.kernels = after.get("kernels", 0) - before.get("kernels", 0)
            summary.kernel_cpu = sum(after.get(k, 0.0) - before.get(k, 0.0) for k in ("user", "system"))
        echo(f"{assignment}: graded {len(summary.graded)}, failed {len(summary.failed)} in {summary.seconds:.0f}s "
             f"({summary.per_minute:.0f} submissions/min); workers: {summary.workers_note}")
    return summaries


def main(argv: list[str] | None = None) -> int:
    import argparse

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        return _worker_main(*argv[1:4])
    if argv[:1] == ["--zygote"]:
        return _zygote_main()

    parser = argparse.ArgumentParser(prog="ipt-course autograde")
    parser.add_argument("assignments", nargs="+")
    parser.add_argument("--course", default=".", help="the course folder (with nbgrader_config.py)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: from a measurement "
                        f"at the start: one per core (one more with --warm), then as many as keep every core busy, at most twice the cores "
                        f"and at most cores + 4; {WORKERS_ENV} sets it too)")
    parser.add_argument("--force", action="store_true", help="regrade everything, not only what is left")
    parser.add_argument("--jupyter-path", default=None, help="folder with the ipt-sandbox kernelspec")
    parser.add_argument("--warm", action="store_true",
                        help="take kernels from a sandboxed fork server with the libraries already imported")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    summaries = autograde(Path(args.course), args.assignments, workers=args.workers, force=args.force,
                          jupyter_path=Path(args.jupyter_path) if args.jupyter_path else None, warm=args.warm)
    return 1 if any(s.failed for s in summaries.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
