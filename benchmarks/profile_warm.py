"""Where the warm path's time goes, per submission: one or more warm workers and their warm kernels, measured.

    python benchmarks/profile_warm.py [--students 30] [--workers 1] [--assignment a1_problem_areas] [--top 25]

Measures without changing the product (issue 21, item 1): it builds the benchmark's synthetic class
(bench_autograde.make_course), starts the same bubblewrapped fork server as `ipt-course autograde --warm` (the same
command line from forkserver.server_command, only its last step is a few lines that wrap the server's own functions
with timers before calling forkserver.serve), and runs the real worker loop (parallel._worker_main) in
``--workers`` processes with timers wrapped around nbgrader's and nbclient's steps. Printed:

- the machine: uptime, and a pure-Python loop's time alone, before and after (the calibration);
- per submission in the worker: wall, CPU, time waiting for a core (the run queue, /proc/.../schedstat), page
  faults and context switches (getrusage), split into nbgrader's converter set-up, its gradebook opens and SQL
  (statements, commits, connections, time), each preprocessor, the kernel's start, the cells' round trips, its
  shutdown, and the modules imported during the submission;
- per kernel (recorded inside the fork server and the kernel itself): the fork in the server, the child's
  isolation (namespaces, mounts), IPython's initialize and start, each cell's time inside the kernel, its exit, and
  its page faults, context switches and run-queue wait (wait4's rusage of the kernel and its namespace's init);
- cProfile's top functions for the workers (submissions after the first) and for the kernels.

Everything stays in a temporary folder (removed unless --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CALIBRATION = "import time;t=time.perf_counter();sum(i*i for i in range(10**7));print(time.perf_counter()-t)"


def schedstat() -> tuple[float, float, int]:
    """(seconds on a CPU, seconds waiting in the run queue, timeslices) of every thread of this process."""
    run = wait = slices = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 0.0, 0.0, 0
    for task in tasks:
        try:
            a, b, c = open(f"/proc/self/task/{task}/schedstat").read().split()
        except (OSError, ValueError):
            continue
        run, wait, slices = run + int(a), wait + int(b), slices + int(c)
    return run / 1e9, wait / 1e9, slices


def usage() -> dict:
    r = resource.getrusage(resource.RUSAGE_SELF)
    run, wait, slices = schedstat()
    return {"wall": time.perf_counter(), "cpu": time.process_time(), "minflt": r.ru_minflt, "majflt": r.ru_majflt,
            "nvcsw": r.ru_nvcsw, "nivcsw": r.ru_nivcsw, "runq": wait, "oncpu": run}


def delta(a: dict, b: dict) -> dict:
    return {k: b[k] - a[k] for k in a}


# --- the fork server, instrumented from outside ------------------------------------------------------------------
# Runs inside the server's bubblewrap as `python -c SERVE_CODE SOCKET FD_JSON FD_PROF PROFILE`. It wraps the
# server's and the kernel's functions with timers (nothing else changes), then calls forkserver.serve.

SERVE_CODE = r'''
import sys, os, time, json, resource, marshal
sock, fd_json, fd_prof, profile_kernels = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
experiments = set(sys.argv[5].split(",")) - {""} if len(sys.argv) > 5 else set()
preload = tuple(sys.argv[6].split(",")) if len(sys.argv) > 6 else None
import gc

def sched():
    run = wait = 0
    for t in os.listdir("/proc/self/task"):
        try:
            a, b, c = open(f"/proc/self/task/{t}/schedstat").read().split()
            run += int(a); wait += int(b)
        except (OSError, ValueError):
            pass
    return run / 1e9, wait / 1e9

def mark(rec, name):
    r = resource.getrusage(resource.RUSAGE_SELF)
    run, wait = sched()
    rec[name] = {"t": time.perf_counter(), "cpu": time.process_time(), "minflt": r.ru_minflt,
                 "majflt": r.ru_majflt, "nvcsw": r.ru_nvcsw, "nivcsw": r.ru_nivcsw, "runq": wait}

def emit(rec):
    os.write(fd_json, (json.dumps(rec) + "\n").encode())

import ipt_lib.course.forkserver as fs
_fork, _wait4 = os.fork, os.wait4
server_pid = os.getpid()

def fork():
    if os.getpid() != server_pid:
        return _fork()
    t, c = time.perf_counter(), time.process_time()
    pid = _fork()
    if pid:
        emit({"kind": "fork", "pid": pid, "t": t, "seconds": time.perf_counter() - t, "cpu": time.process_time() - c})
    return pid
os.fork = fork

def wait4(pid, options):
    done, status, ru = _wait4(pid, options)
    if done:
        emit({"kind": "reaped", "pid": done, "user": ru.ru_utime, "system": ru.ru_stime, "minflt": ru.ru_minflt,
              "majflt": ru.ru_majflt, "nvcsw": ru.ru_nvcsw, "nivcsw": ru.ru_nivcsw, "maxrss_kb": ru.ru_maxrss})
    return done, status, ru
os.wait4 = wait4

import ipt_lib.course.namespaces as ns
REC = {}
_run_kernel, _isolate = fs._run_kernel, ns.isolate_folders

def run_kernel(request):
    REC.clear()
    REC["cwd"] = request["cwd"]
    mark(REC, "child")          # the forked child, first thing
    REC["gc0"] = [g["collections"] for g in gc.get_stats()]
    return _run_kernel(request)
fs._run_kernel = run_kernel

def isolate(*a, **k):
    mark(REC, "isolate0")
    try:
        return _isolate(*a, **k)
    finally:
        mark(REC, "isolate1")
ns.isolate_folders = isolate

_drop = ns.drop_privileges
def drop():
    mark(REC, "grandchild")     # process 1 of the new namespace (its own rusage starts at 0 here)
    return _drop()
ns.drop_privileges = drop

from ipykernel.kernelapp import IPKernelApp
from ipykernel.ipkernel import IPythonKernel
_init, _start, _exec = IPKernelApp.initialize, IPKernelApp.start, IPythonKernel.do_execute
PROF = [None]

def initialize(self, *a, **k):
    if profile_kernels:
        import cProfile
        PROF[0] = cProfile.Profile()
        PROF.append(os.urandom(8))  # this kernel's tag (every kernel is process 1 of its own namespace)
        PROF[0].enable()
    mark(REC, "init0")
    r = _init(self, *a, **k)
    mark(REC, "init1")
    return r
IPKernelApp.initialize = initialize

def start(self, *a, **k):
    mark(REC, "start0")
    try:
        return _start(self, *a, **k)
    finally:
        mark(REC, "start1")
        REC["gc1"] = [g["collections"] for g in gc.get_stats()]
        REC["kind"] = "kernel"
        emit(REC)
        dump_profile()
IPKernelApp.start = start

def dump_profile():
    # the kernel's profile so far, tagged with the kernel's own tag: the reader keeps each kernel's last one (killed kernels never
    # return from start(), so it is written after every cell too)
    if PROF[0] is not None:
        PROF[0].disable()
        PROF[0].create_stats()
        blob = marshal.dumps(PROF[0].stats)
        os.write(fd_prof, PROF[-1] + len(blob).to_bytes(8, "little") + blob)
        PROF[0].enable()

async def do_execute(self, *a, **k):
    t, c = time.perf_counter(), time.process_time()
    try:
        return await _exec(self, *a, **k)
    finally:
        REC.setdefault("cells", []).append([t, time.perf_counter() - t, time.process_time() - c])
        # the worker kills its kernel after the last cell (no shutdown_request since part 2), so start() never
        # returns: the record is written after every cell, "start1" = the end of the last one; the analysis keeps
        # each kernel's last record (this costs the kernel a little CPU per cell)
        mark(REC, "start1")
        REC["gc1"] = [g["collections"] for g in gc.get_stats()]
        REC["kind"] = "kernel"
        emit(REC)
        dump_profile()
IPythonKernel.do_execute = do_execute

from ipykernel.kernelbase import Kernel
_shutdown = Kernel.shutdown_request
async def shutdown_request(self, *a, **k):
    mark(REC, "shutdown0")
    return await _shutdown(self, *a, **k)
Kernel.shutdown_request = shutdown_request

if experiments & {"freeze", "getmodule"}:
    # experiments, not the product: what the server could do once, after its imports, for every kernel
    import socket as _socket
    _bind = _socket.socket.bind
    def bind(self, *a, **k):   # serve() binds its socket right after the imports: do the warm-up there
        if "getmodule" in experiments:
            import inspect
            inspect.getmodule(compile("", "<warm>", "exec"), "/tmp/warm.py")
        if "freeze" in experiments:
            gc.collect()
            gc.freeze()
        _socket.socket.bind = _bind
        return _bind(self, *a, **k)
    _socket.socket.bind = bind
fs.serve(sock, preload or fs.PRELOAD)
'''


class Server:
    """The warm path's fork server and ipt-fork kernelspec, as warm_kernels.start_warm_kernels starts them."""

    def __init__(self, course: Path, share: Path, base: Path, profile_kernels: bool, experiment: str = "",
                 assignment: str = "a1_problem_areas"):
        from ipt_lib.course import forkserver
        from ipt_lib.course.sandbox import HIDE_ENV, IPC_ENV, KERNEL_NAME, environment_paths

        spec = json.loads((share / "kernels" / KERNEL_NAME / "kernel.json").read_text())
        hide = [str(Path(p).resolve()) for p in spec["env"][HIDE_ENV].split(os.pathsep) if p]
        self.ipc = Path(tempfile.mkdtemp(prefix="iptw-", dir="/tmp"))
        self.socket = str(self.ipc / "forkserver.sock")
        # what `ipt-course autograde --warm` has the server import for this assignment
        preload = forkserver.preload_for(sorted((course / "source" / assignment).glob("*.ipynb")))
        self.preload = preload or forkserver.PRELOAD
        if "fullpreload" in experiment.split(","):
            self.preload = forkserver.PRELOAD
        cmd = forkserver.server_command(self.socket, autograded=str(course / "autograded"), ipc=str(self.ipc),
                                        hide=hide, show=environment_paths(), preload=self.preload)
        assert cmd[-6:] == ["-m", "ipt_lib.course.forkserver", "serve", "--preload", ",".join(self.preload),
                            self.socket], cmd[-7:]
        self.json_path, self.prof_path = base / "server-records.jsonl", base / "kernel-profiles.bin"
        fd_json = os.open(self.json_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fd_prof = os.open(self.prof_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        cmd = cmd[:-6] + ["-c", SERVE_CODE, self.socket, str(fd_json), str(fd_prof), "1" if profile_kernels else "0",
                          experiment, ",".join(self.preload)]
        self.log = open(base / "forkserver.log", "ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                     stdin=subprocess.DEVNULL, pass_fds=(fd_json, fd_prof))
        os.close(fd_json)
        os.close(fd_prof)
        if (self.proc.stdout.readline() if self.proc.stdout else "").strip() != "ready":
            self.proc.kill()
            raise RuntimeError(f"the fork server did not start: {(base / 'forkserver.log').read_text()[-2000:]}")
        self.start_seconds = time.perf_counter() - started
        self.share = Path(spec["env"][IPC_ENV]).parent / "warm-share"
        from ipt_lib.course.warm_kernels import install_kernelspec

        install_kernelspec(self.share, socket_path=self.socket, ipc=self.ipc,
                                      autograded=course / "autograded")
        self.rss_kb = self._rss()

    def _rss(self) -> int:
        """The fork server's resident memory (the python process inside bubblewrap), in kB."""
        best = 0
        for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
            try:
                if self.socket in open(f"/proc/{pid}/cmdline").read() and "python" in open(
                        f"/proc/{pid}/comm").read() + open(f"/proc/{pid}/cmdline").read().split("\0")[0]:
                    for line in open(f"/proc/{pid}/status"):
                        if line.startswith("VmRSS:"):
                            best = max(best, int(line.split()[1]))
            except OSError:
                continue
        return best

    def stop(self) -> None:
        from ipt_lib.course.forkserver import request

        self.rss_kb_end = self._rss()
        try:
            request(self.socket, {"op": "stats"}, timeout=5)  # one more request: the server reaps what is left
            request(self.socket, {"op": "stop"}, timeout=5)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.ipc, ignore_errors=True)


# --- the worker, instrumented from outside -----------------------------------------------------------------------

def worker_child(course: str, assignment: str, kernel: str, out: str, profile: bool, experiment: str = "") -> int:
    """A worker process: parallel._worker_main (stdin: student ids), with timers around nbgrader's steps; writes
    its records (and cProfile's stats for every submission after the first) to ``out``."""
    import cProfile
    import pickle

    import ipt_lib.course.parallel as parallel
    from ipt_lib.course import nbgrader_speedups

    # what _worker_main does first (it is idempotent): applied before the timers below wrap nbgrader's functions,
    # so that the timers see the functions the speed-ups put in place
    nbgrader_speedups.apply()
    import importlib

    for name in parallel.PRELOAD:  # what the product's workers inherit from the zygote (parallel.Zygote)
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001
            pass
    parallel._warm_up()
    import gc

    gc.collect()
    gc.freeze()  # as the zygote does before it forks the workers
    first_only = "first" in experiment.split(",")
    records: list[dict] = []
    current: dict = {}

    def timed(owner, attr, name=None, is_async=False):
        original = getattr(owner, attr)
        label = name or f"{owner.__name__}.{attr}"
        if is_async:
            async def wrapper(*a, **k):
                t, c = time.perf_counter(), time.process_time()
                try:
                    return await original(*a, **k)
                finally:
                    _add(label, t, c)
        else:
            def wrapper(*a, **k):
                t, c = time.perf_counter(), time.process_time()
                try:
                    return original(*a, **k)
                finally:
                    _add(label, t, c)
        setattr(owner, attr, wrapper)

    def _add(label, t, c):
        if not current:
            return
        if label.startswith("kernel") and "poll" not in label:
            current["marks"].append((label, t, time.perf_counter()))
        slot = current["phases"].setdefault(label, [0, 0.0, 0.0])
        slot[0] += 1
        slot[1] += time.perf_counter() - t
        slot[2] += time.process_time() - c

    # everything the worker will import is imported by parallel's own functions; wrap after importing the modules
    import nbformat
    import sqlalchemy
    from nbclient.client import NotebookClient
    from nbconvert.exporters.exporter import Exporter
    from nbconvert.preprocessors.base import Preprocessor
    from nbgrader import api
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import BaseConverter
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    import ipt_lib.course.folderguard as folderguard
    from ipt_lib.course import warm_kernels

    timed(Autograde, "__init__", "converter set-up (Autograde.__init__)")
    timed(BaseConverter, "init_notebooks", "converter: init_notebooks (glob)")
    timed(Autograde, "init_assignment", "converter: init_assignment (gradebook rows, copy source files)")
    timed(BaseConverter, "init_single_notebook_resources", "converter: init_single_notebook_resources")
    timed(Exporter, "from_filename", "converter: exporter.from_filename (read + preprocessors)")
    timed(BaseConverter, "write_single_notebook", "converter: write_single_notebook")
    timed(BaseConverter, "set_permissions", "converter: set_permissions")
    timed(api.Gradebook, "__init__", "gradebook: Gradebook() open (engine, create_all)")
    timed(api.Gradebook, "close", "gradebook: Gradebook.close")
    timed(Session, "commit", "gradebook: Session.commit")
    timed(nbformat, "read", "nbformat.read")
    timed(nbformat, "write", "nbformat.write")
    timed(nbformat, "validate", "nbformat.validate")
    timed(folderguard, "vet_submitted", "defence: vet_submitted")
    timed(NotebookClient, "start_new_kernel", "kernel: start_new_kernel (km.start_kernel: launch + listening)")
    timed(NotebookClient, "start_new_kernel_client", "kernel: start_new_kernel_client (channels, wait_for_ready)")
    timed(NotebookClient, "execute_cell", "kernel: execute_cell (one cell's round trip)")
    timed(NotebookClient, "_cleanup_kernel", "kernel: _cleanup_kernel (shutdown, wait for exit)")
    timed(warm_kernels.ForkProvisioner, "launch_kernel", "kernel:  provisioner.launch_kernel (fork request + "
          "until listening)", is_async=True)
    timed(warm_kernels.ForkProvisioner, "_until_listening", "kernel:   _until_listening (socket files appear)",
          is_async=True)
    timed(warm_kernels.WarmKernelClient, "wait_for_ready", "kernel:  wait_for_ready (kernel_info + idle)",
          is_async=True)
    timed(warm_kernels.ForkProvisioner, "poll", "kernel: provisioner.poll (fork-server request)", is_async=True)
    timed(warm_kernels.WarmKernelManager, "_async_finish_shutdown", "kernel:  finish_shutdown (poll every 5 ms)",
          is_async=True)
    timed(warm_kernels.ForkProvisioner, "kill", "kernel:  provisioner.kill (fork server's kill: answered once reaped)",
          is_async=True)
    timed(warm_kernels.WarmKernelManager, "_async_interrupt_kernel", "kernel:  interrupt_kernel (before the kill)",
          is_async=True)
    timed(warm_kernels.WarmKernelManager, "_async_cleanup_resources", "kernel:  cleanup_resources", is_async=True)
    original_call = Preprocessor.__call__

    def call(self, nb, resources):
        t, c = time.perf_counter(), time.process_time()
        try:
            return original_call(self, nb, resources)
        finally:
            _add(f"preprocessor: {type(self).__name__}", t, c)
    Preprocessor.__call__ = call

    writing: dict[int, float] = {}  # DBAPI connection -> when its transaction's first write began

    @event.listens_for(sqlalchemy.engine.Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("t", []).append(time.perf_counter())
        if "sqllog" in experiment.split(",") and len(records) == 1:  # the second submission's statements
            with open(out + ".sql", "a") as log:
                log.write(" ".join(statement.split())[:160] + "\n")

    from sqlalchemy.engine.default import DefaultDialect

    def _ended(kind):
        original = getattr(DefaultDialect, kind)

        def wrapper(self, dbapi_connection):
            t = time.perf_counter()
            try:
                return original(self, dbapi_connection)
            finally:
                end = time.perf_counter()
                # SQLAlchemy passes the pool's proxy; the cursor events saw the DBAPI connection inside it
                first = writing.pop(id(getattr(dbapi_connection, "dbapi_connection", dbapi_connection)), None)
                if current:
                    s = current["sql"]
                    s.setdefault("commit_seconds", []).append(end - t)
                    if first is not None:
                        s.setdefault("holds", []).append(end - first)
                        s.setdefault("write_commit_seconds", []).append(end - t)
        setattr(DefaultDialect, kind, wrapper)

    _ended("do_commit")
    _ended("do_rollback")

    @event.listens_for(sqlalchemy.engine.Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        t = conn.info["t"].pop()
        if statement.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            # SQLite has taken its one write lock once a transaction's first write has run (a wait for it, in
            # SQLite's busy handler, is before this) and keeps it through the commit's fsync; PostgreSQL locks
            # only the rows written
            writing.setdefault(id(conn.connection.dbapi_connection), time.perf_counter())
        if current:
            s = current["sql"]
            s["statements"] += 1
            s["seconds"] += time.perf_counter() - t
            verb = statement.split(None, 1)[0].upper()
            s["by_verb"][verb] = s["by_verb"].get(verb, 0) + 1

    @event.listens_for(sqlalchemy.engine.Engine, "connect")
    def _connect(dbapi_conn, record):
        if current:
            current["sql"]["connects"] += 1

    if "keeppool" in experiment.split(","):
        # an experiment, not the product: Gradebook.close() returns its connections to the (shared) engine's pool
        # instead of disposing of the pool, so the next open of the same gradebook reuses a connection (for
        # PostgreSQL: no new TCP connection, SCRAM login and server process per open)
        def close_keeping_pool(self):
            self.db.remove()
        api.Gradebook.close = close_keeping_pool

    if "wal" in experiment.split(","):
        # an experiment, not the product: the gradebook in WAL mode with synchronous=NORMAL (no fsync per commit)
        @event.listens_for(sqlalchemy.engine.Engine, "connect")
        def _wal(dbapi_conn, record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    @event.listens_for(sqlalchemy.engine.Engine, "commit")
    def _commit(conn):
        if current:
            current["sql"]["commits"] += 1

    profiler = cProfile.Profile() if profile else None
    grade_one = parallel._grade_one

    def profiled_grade_one(config, course_path, assignment_, student):
        modules = set(sys.modules)
        import gc as _gc
        gc_before = [g["collections"] for g in _gc.get_stats()]
        gc_time = [0.0]
        current.clear()
        current.update({"student": student, "phases": {}, "marks": [],
                        "sql": {"statements": 0, "seconds": 0.0, "connects": 0, "commits": 0, "by_verb": {}}})
        before = usage()
        # the first submission is the warm-up: profiled apart from the steady state (alone with --experiment first)
        if profiler and (not records if first_only else records):
            profiler.enable()
        try:
            return grade_one(config, course_path, assignment_, student)
        finally:
            if profiler:
                profiler.disable()
            after = usage()
            rec = dict(current)
            rec["usage"] = delta(before, after)
            rec["start"] = before["wall"]
            rec["new_modules"] = sorted(set(sys.modules) - modules)
            rec["gc"] = [g["collections"] - b for g, b in zip(_gc.get_stats(), gc_before)]
            records.append(rec)
            current.clear()
            with open(out, "wb") as h:  # after every submission: a worker killed early still leaves its records
                pickle.dump({"records": records}, h)

    parallel._grade_one = profiled_grade_one
    started = usage()
    code = parallel._worker_main(course, assignment, kernel)
    if profiler:
        profiler.create_stats()
    with open(out, "wb") as h:
        pickle.dump({"records": records, "profile": profiler.stats if profiler else None,
                     "life": delta(started, usage())}, h)
    return code


# --- the run ---------------------------------------------------------------------------------------------------

def calibrate() -> float:
    run = subprocess.run([sys.executable, "-c", CALIBRATION], capture_output=True, text=True)
    return float(run.stdout.strip() or "nan")


def storage(folder: Path, n: int = 40) -> tuple[float, float, float]:
    """(fsync of a small file, an SQLite commit as nbgrader's gradebook makes it (journal_mode DELETE, synchronous
    FULL: SQLite's defaults), the same commit with synchronous=OFF), median seconds, in ``folder``."""
    import sqlite3

    path = folder / "fsync-probe"
    samples = []
    with open(path, "wb") as h:
        for i in range(n):
            h.write(b"x" * 512)
            h.flush()
            t = time.perf_counter()
            os.fsync(h.fileno())
            samples.append(time.perf_counter() - t)
    path.unlink()
    out = [statistics.median(samples)]
    for sync in ("FULL", "OFF"):
        db = folder / f"probe-{sync}.db"
        conn = sqlite3.connect(db)
        conn.execute(f"PRAGMA synchronous={sync}")
        conn.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        conn.commit()
        samples = []
        for i in range(n):
            t = time.perf_counter()
            conn.execute("INSERT INTO t VALUES (?, ?)", (i, "x" * 100))
            conn.commit()
            samples.append(time.perf_counter() - t)
        conn.close()
        db.unlink()
        out.append(statistics.median(samples))
    return out[0], out[1], out[2]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def stats_of(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
    return f"{statistics.median(values):8.4f} {statistics.fmean(values):8.4f} {p90:8.4f}"


def print_profile(stats: dict, title: str, top: int, sort: int) -> None:
    """``stats`` as cProfile keeps it: (file, line, name) -> (cc, nc, tottime, cumtime, callers)."""
    print(f"\n{title}")
    print(f"   {'tottime':>8} {'cumtime':>8} {'calls':>8}  function")
    rows = sorted(stats.items(), key=lambda kv: -kv[1][sort])[:top]
    for (file, line, name), (cc, nc, tt, ct, _callers) in rows:
        where = file
        for marker in ("site-packages/", "lib/python3", "/wt21g/"):
            if marker in where:
                where = where.split(marker, 1)[1]
                break
        print(f"   {tt:8.3f} {ct:8.3f} {nc:8d}  {name} ({where}:{line})")


def merge_stats(into: dict, stats: dict) -> None:
    for key, (cc, nc, tt, ct, callers) in stats.items():
        if key in into:
            a = into[key]
            into[key] = (a[0] + cc, a[1] + nc, a[2] + tt, a[3] + ct, {})
        else:
            into[key] = (cc, nc, tt, ct, {})


def main() -> int:
    import bench_autograde

    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--assignment", default=bench_autograde.A1)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true", help="timers only (cProfile adds its own cost)")
    parser.add_argument("--experiment", default="",
                        help="comma-separated, none by default; measurements of a change, not what the product does: "
                             "wal (the workers open the gradebook in WAL mode with synchronous=NORMAL: what the fsync "
                             "per commit costs), freeze (the fork server calls gc.freeze() after its imports), "
                             "getmodule (the fork server fills inspect.getmodule's cache, which IPython's tracebacks "
                             "fill in every kernel), keeppool (Gradebook.close keeps the engine's connections for the "
                             "next open: the product does so since FINDINGS-warm-path.md part 4, so now a "
                             "no-op kept to compare with earlier runs), fullpreload (the fork server imports "
                             "everything in forkserver.PRELOAD, as before part 5, instead of what the assignment's "
                             "notebooks import), first (the workers' profile is of their first submission only: what the "
                             "warm-up costs), sqllog (the second submission's SQL statements, one per line, in "
                             "<worker record>.sql under --keep)")
    parser.add_argument("--gradebook", choices=("sqlite", "postgresql"), default="sqlite",
                        help="postgresql: the gradebook in a throwaway PostgreSQL server (tests/pg_server.py)")
    parser.add_argument("--dump", help="write the workers' and kernels' cProfile stats here (pstats files)")
    parser.add_argument("--keep", help="keep the course and the raw records in this folder")
    args = parser.parse_args()
    bench_autograde.A1 = args.assignment
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ipt-profile-"))
    base.mkdir(parents=True, exist_ok=True)
    profile = not args.no_profile

    print(f"machine: {uptime()}")
    print(f"         {os.cpu_count()} CPUs, affinity {len(os.sched_getaffinity(0))}; python {sys.version.split()[0]}")
    cal0 = calibrate()
    print(f"calibration before (pure-Python loop, alone): {cal0:.2f} s")
    fsync, commit_full, commit_off = storage(base)
    print(f"storage where the gradebook is ({base}): fsync {fsync * 1000:.2f} ms; an SQLite commit "
          f"{commit_full * 1000:.2f} ms as nbgrader makes it (synchronous FULL), {commit_off * 1000:.3f} ms with "
          "synchronous=OFF (medians of 40)")
    print(f"building a class of {args.students} submissions of {args.assignment} in {base} ..."
          + (f" (experiment: {args.experiment})" if args.experiment else ""), flush=True)
    course, share = bench_autograde.make_course(base / "course-run", args.students)
    from contextlib import ExitStack

    pg_stack = ExitStack()
    if args.gradebook == "postgresql":
        sys.path.insert(0, str(ROOT / "tests"))
        from pg_server import create_gradebook, postgres_server

        pg = pg_stack.enter_context(postgres_server())
        url, _ = create_gradebook(pg)
        bench_autograde.use_postgres(course, url)
        print(f"gradebook: PostgreSQL {pg['bindir'].parent.name} on 127.0.0.1:{pg['port']} (started in "
              f"{pg['started_in']:.1f} s)")
    server = Server(course, share, base, profile, args.experiment, args.assignment)
    print(f"fork server started in {server.start_seconds:.2f} s, {len(server.preload)} modules preloaded; "
          f"resident {server.rss_kb / 1024:.0f} MiB "
          f"(what each fork copies the page tables of)")

    students = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{args.assignment}"))
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(server.share), env.get("JUPYTER_PATH")]))
    procs = []
    started = time.perf_counter()
    for w in range(args.workers):
        mine = students[w::args.workers]
        out = base / f"worker{w}.pickle"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker-child", str(course), args.assignment,
               "ipt-fork", str(out), "1" if profile else "0", args.experiment]
        log = open(base / f"worker{w}.log", "w")
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, env=env,
                             cwd=course)
        procs.append((p, mine, out, log))
    # each worker gets its share up front (stdin), like the product's queue but without the hand-off
    for p, mine, out, log in procs:
        assert p.stdin
        p.stdin.write("".join(s + "\n" for s in mine))
        p.stdin.close()
    replies = []
    for p, mine, out, log in procs:
        assert p.stdout
        replies += [json.loads(line) for line in p.stdout if line.strip()]
        p.wait()
        log.close()
    wall = time.perf_counter() - started
    server.stop()
    pg_stack.close()
    cal1 = calibrate()
    print(f"graded {sum(1 for r in replies if r.get('student') and r['ok'])} of {len(students)} with "
          f"{args.workers} worker(s) in {wall:.1f} s ({wall / len(students):.3f} s per submission)")
    print(f"calibration after: {cal1:.2f} s; machine: {uptime()}")

    import pickle

    data = [pickle.loads(out.read_bytes()) for _, _, out, _ in procs]
    records = [r for d in data for r in d["records"]]
    steady = [r for d in data for r in d["records"][1:]]
    firsts = [d["records"][0] for d in data if d["records"]]
    n = len(steady)
    print(f"\n== worker, per submission (steady state: {n} submissions after each worker's first; "
          "median, mean, p90 in seconds) ==")
    print(f"   {'':58} {'median':>8} {'mean':>8} {'p90':>8}")
    for key, label in (("wall", "wall"), ("cpu", "CPU (all the worker's threads)"),
                       ("runq", "waiting for a core (run queue)"), ("oncpu", "on a core (schedstat)")):
        print(f"   {label:58} {stats_of([r['usage'][key] for r in steady])}")
    for key, label in (("minflt", "minor page faults"), ("majflt", "major page faults"),
                       ("nvcsw", "voluntary context switches"), ("nivcsw", "involuntary context switches")):
        print(f"   {label:58} {stats_of([float(r['usage'][key]) for r in steady])}")
    print(f"   {'wall not on a core nor queued (blocked: kernel, I/O, sleeps)':58} "
          f"{stats_of([r['usage']['wall'] - r['usage']['oncpu'] - r['usage']['runq'] for r in steady])}")
    labels = sorted({k for r in steady for k in r["phases"]})
    print(f"\n   phases (inclusive, nested), per submission: calls, wall mean, CPU mean (s)")
    rows = []
    for label in labels:
        calls = statistics.fmean([r["phases"].get(label, [0, 0, 0])[0] for r in steady])
        w = statistics.fmean([r["phases"].get(label, [0, 0, 0])[1] for r in steady])
        c = statistics.fmean([r["phases"].get(label, [0, 0, 0])[2] for r in steady])
        rows.append((label, calls, w, c))
    for label, calls, w, c in sorted(rows, key=lambda x: x[0]):
        print(f"   {label:78} {calls:6.1f} {w:8.4f} {c:8.4f}")
    sql = [r["sql"] for r in steady]
    print(f"\n   SQL per submission: {statistics.fmean([s['statements'] for s in sql]):.1f} statements "
          f"({statistics.fmean([s['seconds'] for s in sql]) * 1000:.1f} ms in the cursor), "
          f"{statistics.fmean([s['commits'] for s in sql]):.1f} commits, "
          f"{statistics.fmean([s['connects'] for s in sql]):.1f} new gradebook connections")
    verbs: dict[str, int] = {}
    for s in sql:
        for v, c in s["by_verb"].items():
            verbs[v] = verbs.get(v, 0) + c
    holds = [h for s in sql for h in s.get("holds", [])]
    commit_times = [c for s in sql for c in s.get("commit_seconds", [])]
    if commit_times:
        print(f"   DBAPI commits (and rollbacks, the pool's reset of a returned connection among them): "
              f"{len(commit_times) / max(n, 1):.1f} per submission, {stats_of(commit_times)} s each")
    writes = [c for s in sql for c in s.get("write_commit_seconds", [])]
    if writes:
        print(f"   of which commits of a transaction that wrote: {len(writes) / max(n, 1):.1f} per submission, "
              f"{stats_of(writes)} s each (median, mean, p90)")
    if holds:
        per = [sum(s.get("holds", [])) for s in sql]
        print(f"   transactions that wrote: {len(holds) / max(n, 1):.1f} per submission; first write -> commit "
              f"done (SQLite holds its database-wide write lock that long; PostgreSQL locks only the rows): "
              f"{stats_of(holds)} s each; per submission "
              f"{stats_of(per)} s")
    print("   by verb: " + ", ".join(f"{v} {c / max(n, 1):.1f}" for v, c in sorted(verbs.items(), key=lambda x: -x[1])))
    if steady and all("gc" in r for r in steady):
        gcs = [sum(r["gc"][i] for r in steady) / len(steady) for i in range(3)]
        print(f"   garbage collections per submission (generation 0, 1, 2), mean: "
              f"{gcs[0]:.1f}, {gcs[1]:.2f}, {gcs[2]:.2f}")
    new = [len(r["new_modules"]) for r in steady]
    print(f"\n   modules imported during a submission: first {[len(r['new_modules']) for r in firsts]}, "
          f"then mean {statistics.fmean(new) if new else 0:.1f}, max {max(new) if new else 0}")
    later = sorted({m for r in steady for m in r["new_modules"]})
    if later:
        print("   imported after the first submission: " + ", ".join(later[:40]))
    if firsts:
        f = firsts[0]
        print(f"   first submission (warm-up): wall {f['usage']['wall']:.3f} s, CPU {f['usage']['cpu']:.3f} s, "
              f"{len(f['new_modules'])} modules imported: {', '.join(f['new_modules'][:25])}")

    # --- the kernels -------------------------------------------------------------------------------------------
    server_recs = [json.loads(line) for line in server.json_path.read_text().splitlines() if line.strip()]
    forks = {r["pid"]: r for r in server_recs if r["kind"] == "fork"}
    reaped = {r["pid"]: r for r in server_recs if r["kind"] == "reaped"}
    last: dict = {}
    for r in server_recs:  # a kernel's record is written after each cell: its last one counts
        if r["kind"] == "kernel":
            last[(r["cwd"], r["child"]["t"])] = r
    kernels = list(last.values())
    by_cwd = {}
    for r in records:
        by_cwd[str((course / "autograded" / r["student"] / args.assignment).resolve())] = r
    print(f"\n== kernel, per submission ({len(kernels)} kernels; median, mean, p90 in seconds) ==")
    print(f"   server resident memory: {server.rss_kb / 1024:.0f} MiB at start, {server.rss_kb_end / 1024:.0f} MiB "
          "at the end")
    print(f"   {'':58} {'median':>8} {'mean':>8} {'p90':>8}")
    print(f"   {'fork() in the server (page tables of the server)':58} "
          f"{stats_of([r['seconds'] for r in forks.values()])}")

    def span(a, b, key="t"):
        return [k[b][key] - k[a][key] for k in kernels if a in k and b in k]

    rows = [("child: fork -> unshare, mounts start", "child", "isolate0"),
            ("child: isolation (tmpfs, binds, moves)", "isolate0", "isolate1"),
            ("child: isolation -> grandchild (fork, wait)", "isolate1", "grandchild"),
            ("grandchild: /proc, capabilities, env, setsid, import", "grandchild", "init0"),
            ("IPKernelApp.initialize", "init0", "init1"),
            ("initialize -> start", "init1", "start0"),
            ("start (ioloop: the cells, until shutdown)", "start0", "start1"),
            ("whole kernel: child start -> start returns", "child", "start1")]
    for label, a, b in rows:
        print(f"   {label:58} {stats_of(span(a, b))}")
    print("   CPU in the grandchild (the kernel itself, RUSAGE_SELF):")
    for label, a, b in (("  initialize", "init0", "init1"), ("  start (cells, shutdown)", "start0", "start1"),
                        ("  grandchild total to start's end", "grandchild", "start1")):
        print(f"   {label:58} {stats_of(span(a, b, 'cpu'))}")
    for key in ("minflt", "majflt", "nvcsw", "nivcsw", "runq"):
        print(f"   grandchild {key:12} in initialize / in start / from fork:   "
              f"{stats_of(span('init0', 'init1', key))} / {stats_of(span('start0', 'start1', key))} / "
              f"{stats_of([k['start1'][key] for k in kernels if 'start1' in k])}")
    gen = [[b - a for a, b in zip(k["gc0"], k["gc1"])] for k in kernels if "gc1" in k]
    if gen:
        print("   garbage collections per kernel (generation 0, 1, 2), mean: "
              + ", ".join(f"{statistics.fmean(g[i] for g in gen):.1f}" for i in range(3)))
    print(f"   child minor faults: fork -> its first line {stats_of([float(k['child']['minflt']) for k in kernels])}")
    print(f"   child (before the grandchild) minor faults, fork -> isolated: "
          f"{stats_of(span('child', 'isolate1', 'minflt'))}")
    cells = [c for k in kernels for c in k.get("cells", [])]
    per_kernel_cells = [len(k.get("cells", [])) for k in kernels]
    if cells:
        print(f"   cells per kernel: {statistics.fmean(per_kernel_cells):.1f}; per cell inside the kernel "
              f"(do_execute) wall / CPU: {stats_of([c[1] for c in cells])} / {stats_of([c[2] for c in cells])}")
    # the worker's view of the same kernel: the round trips against the kernel's own time
    gaps = []
    for k in kernels:
        r = by_cwd.get(k.get("cwd"))
        if not r or "start1" not in k:
            continue
        cell_calls = r["phases"].get("kernel: execute_cell (one cell's round trip)", [0, 0.0, 0.0])
        inside = sum(c[1] for c in k.get("cells", []))
        if cell_calls[0]:
            gaps.append((cell_calls[1] - inside) / cell_calls[0])
    if gaps:
        print(f"   per cell, worker's round trip minus the kernel's do_execute (messaging, scheduling): "
              f"{stats_of(gaps)}")
    # one submission's wall time, end to end, worker and kernel clocks together (CLOCK_MONOTONIC is shared)
    steps: dict[str, list[float]] = {}
    fork_by_time = sorted(forks.values(), key=lambda f: f["t"])
    for k in kernels:
        r = by_cwd.get(k.get("cwd"))
        if not r or "start1" not in k:
            continue
        marks = {}
        for label, t0, t1 in r["marks"]:
            marks.setdefault(label, (t0, t1))
        cells_w = [m for m in r["marks"] if m[0].startswith("kernel: execute_cell")]
        try:
            launch = marks["kernel:  provisioner.launch_kernel (fork request + until listening)"]
            listening = marks["kernel:   _until_listening (socket files appear)"]
            ready = marks["kernel:  wait_for_ready (kernel_info + idle)"]
            cleanup = marks["kernel: _cleanup_kernel (shutdown, wait for exit)"]
        except KeyError:
            continue
        fork = next((f for f in fork_by_time if f["t"] >= launch[0]), None)
        kc = k.get("cells", [])
        points = [("worker asks the server for a kernel -> server forks", launch[0], fork["t"] if fork else None),
                  ("server fork -> child runs", fork["t"] if fork else None, k["child"]["t"]),
                  ("child runs -> IPKernelApp.initialize starts", k["child"]["t"], k["init0"]["t"]),
                  ("initialize (sockets bound at its end)", k["init0"]["t"], k["init1"]["t"]),
                  ("worker sees the socket files, from initialize's end (<0: before)", k["init1"]["t"], listening[1]),
                  ("worker: listening -> ready (kernel_info, idle)", listening[1], ready[1]),
                  ("ready -> first cell starts in the kernel", ready[1], kc[0][0] if kc else None),
                  ("first cell in the kernel -> last cell's round trip ends",
                   kc[0][0] if kc else None, cells_w[-1][2] if cells_w else None),
                  ("  of which inside do_execute (sum)", 0.0, sum(c[1] for c in kc)),
                  ("last cell -> worker starts the shutdown (nbgrader)", cells_w[-1][2] if cells_w else None,
                   cleanup[0]),
                  ("worker's shutdown -> kernel gets shutdown_request", cleanup[0], k.get("shutdown0", {}).get("t")),
                  ("shutdown_request -> kernel's start() returns", k.get("shutdown0", {}).get("t"), k["start1"]["t"]),
                  ("kernel's start() returns -> worker's shutdown done", k["start1"]["t"], cleanup[1]),
                  ("worker: kernel asked for -> shutdown done", launch[0], cleanup[1])]
        for label, a, b in points:
            if a is not None and b is not None:
                steps.setdefault(label, []).append(b - a)
    if steps:
        print("   one submission's kernel, end to end (worker's and kernel's clocks):")
        for label, values in steps.items():
            print(f"   {'  ' + label:58} {stats_of(values)}")
    if reaped:
        print("   wait4 of each kernel (the forked child with its namespace's process 1 and threads):")
        for key in ("user", "system", "minflt", "majflt", "nvcsw", "nivcsw", "maxrss_kb"):
            print(f"   {'  ' + key:58} {stats_of([float(r[key]) for r in reaped.values()])}")

    if profile:
        worker_stats: dict = {}
        for d in data:
            if d.get("profile"):
                merge_stats(worker_stats, d["profile"])
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            for i, d in enumerate(data):
                if d.get("profile"):
                    import marshal as _m
                    Path(args.dump, f"worker{i}.prof").write_bytes(_m.dumps(d["profile"]))
        print_profile(worker_stats, f"== cProfile, workers, {n} steady-state submissions together, by own time ==",
                      args.top, 2)
        print_profile(worker_stats, "== cProfile, workers, by cumulative time ==", args.top, 3)
        import marshal

        blob, kernel_stats, count = server.prof_path.read_bytes(), {}, 0
        i, latest = 0, {}
        while i + 16 <= len(blob):  # (tag, size, stats) after every cell: each kernel's last one counts
            pid, size = blob[i:i + 8], int.from_bytes(blob[i + 8:i + 16], "little")
            latest[pid] = blob[i + 16:i + 16 + size]
            i += 16 + size
        for raw in latest.values():
            merge_stats(kernel_stats, marshal.loads(raw))
            if args.dump:
                Path(args.dump, f"kernel{count}.prof").write_bytes(raw)
            count += 1
        print_profile(kernel_stats, f"== cProfile, kernels' main threads, {count} kernels together, by own time ==",
                      args.top, 2)
        print_profile(kernel_stats, "== cProfile, kernels' main threads, by cumulative time ==", args.top, 3)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker-child"]:
        raise SystemExit(worker_child(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] == "1",
                                     sys.argv[7] if len(sys.argv) > 7 else ""))
    raise SystemExit(main())
