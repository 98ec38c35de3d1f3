"""Warm kernels (ipt_lib/course/warm_kernels.py, forkserver.py) for a whole class, not only for a sample class of ten."""

from __future__ import annotations

import asyncio
import os
from contextlib import ExitStack
from pathlib import Path

import pytest

from ipt_lib.course.sandbox import bwrap_path, install_kernelspec

pytestmark = pytest.mark.skipif(bwrap_path() is None, reason="warm kernels run in bubblewrap (.ci/run installs it)")


@pytest.fixture()
def warm(tmp_path, monkeypatch):
    """A fork server for a course under tmp_path; yields (course, a folder for one submission)."""
    from ipt_lib.course.warm_kernels import start_warm_kernels

    course = tmp_path / "course"
    work = course / "autograded" / "s1" / "a1"
    work.mkdir(parents=True)
    share = install_kernelspec(tmp_path / "share", hide=[course], ipc=tmp_path / "ipc").parents[1]
    with ExitStack() as stack:
        monkeypatch.setenv("JUPYTER_PATH", str(start_warm_kernels(course, share, stack).share))
        yield course, work


async def _start_run_stop(work: Path, code: str) -> list[dict]:
    from ipt_lib.course.warm_kernels import KERNEL_NAME, WarmKernelManager

    km = WarmKernelManager(kernel_name=KERNEL_NAME)
    await km.start_kernel(cwd=str(work))
    kc = km.client()
    kc.start_channels()
    outputs: list[dict] = []
    try:
        await kc.wait_for_ready(timeout=30)
        if code:
            await kc.execute_interactive(code, timeout=30, output_hook=lambda m: outputs.append(m))
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=False)
    return outputs


def test_a_class_of_two_hundred_gets_two_hundred_kernels(warm):
    """Every kernel printed a banner into a pipe nobody read: the 150th or so blocked before it was ready and the
    rest of the class could not be graded. 200 kernels in a row must all start, answer and stop."""
    course, work = warm

    async def many():
        for i in range(200):
            await _start_run_stop(work, "")
        return await _start_run_stop(work, "print(6 * 7)")

    outputs = asyncio.run(many())
    assert any(m["msg_type"] == "stream" and m["content"]["text"] == "42\n" for m in outputs)
    log = (course / ".ipt-autograde" / "forkserver.log").read_text(encoding="utf-8", errors="replace")
    assert "--existing" not in log, "each kernel's connection banner should not fill the server's log"


def test_start_up_output_does_not_reach_the_first_cell(warm):
    """The quicker start-up handshake still reads everything the kernel published while starting: the first cell's
    messages are its own."""
    _, work = warm
    outputs = asyncio.run(_start_run_stop(work, "import sys; print('first cell', file=sys.stderr)"))
    streams = [m["content"]["text"] for m in outputs if m["msg_type"] == "stream"]
    assert streams == ["first cell\n"], streams
    parents = {m["parent_header"].get("msg_type") for m in outputs}
    assert parents == {"execute_request"}


def test_a_kernel_that_dies_is_seen_dead_and_the_next_one_starts(warm):
    from ipt_lib.course.warm_kernels import KERNEL_NAME, WarmKernelManager

    _, work = warm

    async def die() -> bool:
        km = WarmKernelManager(kernel_name=KERNEL_NAME)
        await km.start_kernel(cwd=str(work))
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=30)
        kc.execute("import os; os._exit(3)")
        for _ in range(200):  # up to 10 s
            if not await km.is_alive():
                break
            await asyncio.sleep(0.05)
        alive = await km.is_alive()
        kc.stop_channels()
        await km.shutdown_kernel(now=False)
        return alive

    assert asyncio.run(die()) is False
    outputs = asyncio.run(_start_run_stop(work, "print('next')"))
    assert any(m["msg_type"] == "stream" and m["content"]["text"] == "next\n" for m in outputs)


def test_shutdown_returns_once_nothing_of_the_submission_runs(warm):
    """The shutdown kills the kernel through the fork server, which answers once the kernel's namespace is empty: a
    process the student's code left behind (in its own session, not waited for) cannot write into the folder after
    the kernel has been shut down, when DropPlantedFiles looks at it. (How long the shutdown takes is measured by
    benchmarks/profile_warm.py, not asserted here: a wall-clock limit fails on a loaded machine.)"""
    import time

    _, work = warm
    code = ("import subprocess; subprocess.Popen(['sh', '-c', 'sleep 2; echo late > planted.txt'], "
            "start_new_session=True); print('left')")
    outputs = asyncio.run(_start_run_stop(work, code))
    returned = time.monotonic()
    assert any(m["msg_type"] == "stream" and m["content"]["text"] == "left\n" for m in outputs)
    assert not (work / "planted.txt").exists()
    time.sleep(max(0.0, 3.0 - (time.monotonic() - returned)))  # past the moment the left-behind process would write
    assert not (work / "planted.txt").exists()


# --- the workers' start (parallel.Zygote) and the worker count from a measurement (parallel.WorkerCount) ---------

def _minimal_course(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n"
                                               "c.ExecutePreprocessor.timeout = 20\n")
    return course


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _extension_modules(pid: int) -> set[str]:
    """The compiled modules (.so files) process ``pid`` has loaded."""
    maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return {Path(line.split()[-1]).name for line in maps if ".so" in line.split()[-1]}


def test_workers_are_forked_from_a_zygote_that_has_imported_nbgrader(tmp_path):
    """Each worker is a fork of one process that imported nbgrader and jupyter_client before forking (its memory
    holds zmq's compiled backend, which only those imports load); the worker answers the same ready line as a worker
    started as its own process; closing its input ends it, and a stuck one can be killed."""
    import json

    from ipt_lib.course import parallel

    course = _minimal_course(tmp_path)
    zygote = parallel.Zygote(tmp_path / "zygote.log")
    try:
        procs = [zygote.spawn(course, "a1", "", dict(os.environ), tmp_path / f"w{i}.log") for i in range(2)]
        assert all(procs), zygote.note
        assert any(name.startswith("_zmq") or "zmq" in name for name in _extension_modules(zygote.proc.pid))
        for proc in procs:
            ready = json.loads(proc.stdout.readline())
            assert ready == {"ready": True, "limit": parallel._limit_for(20.0)}
            assert _parent_of(proc.pid) == zygote.proc.pid  # not a Python started afresh by the grader
            assert proc.poll() is None
        procs[0].close_stdin()  # the end of its input: the worker's loop ends and it exits
        assert procs[0].wait(timeout=20) is not None
        procs[1].kill()  # as _Worker.stop_if_stuck does
        assert procs[1].wait(timeout=20) is not None
    finally:
        zygote.close()
    assert zygote.proc.returncode == 0


def test_a_worker_the_zygote_cannot_give_is_started_as_its_own_process(tmp_path):
    """A zygote that stopped (killed, out of memory) gives no worker: _Worker then starts Python afresh."""
    import queue

    from ipt_lib.course import parallel

    course = _minimal_course(tmp_path)
    zygote = parallel.Zygote(tmp_path / "zygote.log")
    zygote.proc.kill()
    zygote.proc.wait()
    try:
        assert zygote.spawn(course, "a1", "", dict(os.environ), tmp_path / "w.log") is None
        assert "zygote" in zygote.note
        worker = parallel._Worker(course, "a1", None, 0, queue.Queue(), queue.Queue(), "", None, zygote)
        worker.thread.join(timeout=60)
        assert not worker.forked and worker.ready_after is not None
    finally:
        zygote.close()


def _fake_run(monkeypatch, idle_per_second: float, cpu_per_submission: float, start=2, cap=4, n=12):
    """Feed WorkerCount ``n`` submissions one simulated second apart, each costing ``cpu_per_submission`` of CPU,
    while the cores are idle ``idle_per_second`` seconds per second."""
    from ipt_lib.course import parallel

    clock = {"t": 0.0}
    monkeypatch.setattr(parallel.time, "perf_counter", lambda: clock["t"])
    monkeypatch.setattr(parallel, "_idle_seconds", lambda cpus: clock["t"] * idle_per_second)
    count = parallel.WorkerCount(start, cap, min_seconds=3.0, cpus=[0, 1])
    chosen = None
    for _ in range(n):
        clock["t"] += 1.0
        chosen = count.observe(parallel.Outcome("s", "a1", True, 1.0, cpu=cpu_per_submission), lambda: 0.0) or chosen
    return count, chosen


def test_the_worker_count_follows_the_cpu_a_worker_keeps_busy(monkeypatch):
    # two workers on two cores, one submission a second between them at 0.6 s of CPU each (worker and kernel):
    # each keeps 0.3 of a core busy; 2 / 0.3 = 6.7 workers would keep both cores busy; the cap is 4
    count, chosen = _fake_run(monkeypatch, idle_per_second=0.7, cpu_per_submission=0.6)
    assert (chosen, count.count, count.decided) == (4, 4, True)
    assert count.note.startswith("4 (measured") and "0.30 of a core" in count.note
    assert "0.70 cores were idle" in count.note
    # 1.6 s of CPU per submission: each worker keeps 0.8 of a core busy: 2.5 -> 3 workers
    count, chosen = _fake_run(monkeypatch, idle_per_second=0.4, cpu_per_submission=1.6, cap=4)
    assert (chosen, count.count) == (3, 3)
    # a warm run's start: three workers, each keeping 0.62 of a core busy (two cores nearly saturated): 3.2 would
    # keep both busy, so three stay (a fourth would find a fifth of a core to use)
    count, chosen = _fake_run(monkeypatch, idle_per_second=0.1, cpu_per_submission=1.86, start=3)
    assert (chosen, count.count, count.decided) == (None, 3, True)
    count, chosen = _fake_run(monkeypatch, idle_per_second=1.1, cpu_per_submission=0.9, start=3)
    assert (chosen, count.count) == (4, 4)
    # CPU-bound workers (each keeps a core busy): no worker added
    count, chosen = _fake_run(monkeypatch, idle_per_second=0.0, cpu_per_submission=2.0)
    assert (chosen, count.count, count.decided) == (None, 2, True)
    # never above the cap, however little CPU a worker uses
    count, chosen = _fake_run(monkeypatch, idle_per_second=1.9, cpu_per_submission=0.05, cap=3)
    assert chosen == 3
    # too few submissions to measure: no decision yet
    count, chosen = _fake_run(monkeypatch, idle_per_second=0.7, cpu_per_submission=0.6, n=4)
    assert (chosen, count.decided) == (None, False)


def test_the_worker_count_from_the_environment(monkeypatch):
    from ipt_lib.course import parallel

    said: list[str] = []
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    assert parallel.workers_from_environment(said.append) == 3
    for bad in ("0", "many", "-2"):
        monkeypatch.setenv(parallel.WORKERS_ENV, bad)
        assert parallel.workers_from_environment(said.append) is None
    assert len(said) == 3 and all(parallel.WORKERS_ENV in line for line in said)
    monkeypatch.delenv(parallel.WORKERS_ENV)
    assert parallel.workers_from_environment(said.append) is None


_CELLS = [
    "print('a'); print('b', flush=True); import sys; sys.stderr.write('e\\n'); sys.stderr.flush()",
    "from IPython.display import display; print('before'); display('shown'); print('after'); 'result'",
    "1 / 0",
    "import sys; sys.stdout.write('no newline'); sys.stdout.flush(); sys.stdout.flush(); 42",
    "for i in range(3): print(i, flush=True)",
    "import asyncio\nawait asyncio.sleep(0)\nprint('awaited')",  # top-level await: ipykernel's other path
    "import threading; print(sorted(t.name for t in threading.enumerate() if t.name.startswith('Shell')))",
    "import ipykernel.iostream as s; print(getattr(s.OutStream.flush, 'ipt_lean', False))",
]


def _run_cells(tmp_path: Path, monkeypatch, cells: list[str], speedups: bool, hook) -> list[str]:
    """Run ``cells`` one by one in a forked kernel (with or without kernel_speedups.py), passing every IOPub message
    to ``hook``; return each cell's reply status."""
    from ipt_lib.course.warm_kernels import KERNEL_NAME, WarmKernelManager, start_warm_kernels

    if speedups:
        monkeypatch.delenv("IPT_KERNEL_SPEEDUPS", raising=False)
    else:
        monkeypatch.setenv("IPT_KERNEL_SPEEDUPS", "0")
    base = tmp_path / ("on" if speedups else "off")
    course = base / "course"
    work = course / "autograded" / "s1" / "a1"
    work.mkdir(parents=True)
    share = install_kernelspec(base / "share", hide=[course], ipc=base / "ipc").parents[1]

    async def run() -> list[str]:
        km = WarmKernelManager(kernel_name=KERNEL_NAME)
        await km.start_kernel(cwd=str(work))
        kc = km.client()
        kc.start_channels()
        statuses: list[str] = []
        try:
            await kc.wait_for_ready(timeout=30)
            for code in cells:
                reply = await kc.execute_interactive(code, timeout=30, output_hook=hook)
                statuses.append(reply["content"]["status"])
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        return statuses

    with ExitStack() as stack:
        monkeypatch.setenv("JUPYTER_PATH", str(start_warm_kernels(course, share, stack).share))
        return asyncio.run(run())


def _messages(tmp_path: Path, monkeypatch, speedups: bool) -> list[tuple]:
    """Every IOPub message of _CELLS, in order, and each cell's reply, from a forked kernel."""
    seen: list[tuple] = []

    def keep(msg):
        content = msg["content"]
        seen.append((msg["msg_type"], content.get("execution_state"), content.get("name"), content.get("text"),
                     repr(content.get("data")), content.get("ename"), content.get("evalue")))
        if msg["msg_type"] == "status" and content.get("execution_state") == "idle":
            seen.append(("reply", None, None, None, None, None, None))  # where the reply came, in order

    statuses = iter(_run_cells(tmp_path, monkeypatch, _CELLS, speedups, keep))
    return [m if m[0] != "reply" else ("reply", next(statuses), None, None, None, None, None) for m in seen]


def test_the_kernel_speedups_send_the_same_messages_in_the_same_order(tmp_path, monkeypatch):
    """kernel_speedups.py skips the flushes that have nothing to send and the shell-channel thread; every message a
    cell publishes (streams, display data, results, errors, and the status "idle" after all of them) is the same, in
    the same order, also for a cell with a top-level await (the path that reads the thread's attribute)."""
    ours = _messages(tmp_path, monkeypatch, speedups=True)
    theirs = _messages(tmp_path, monkeypatch, speedups=False)
    lean = [m[3] for m in ours if m[0] == "stream" and m[3] in ("True\n", "False\n")]
    assert lean == ["True\n"], "the fork server should have applied the kernel speed-ups"
    threads = [m[3] for m in ours + theirs if m[0] == "stream" and m[3].startswith("[")]
    assert threads == ["[]\n", "['Shell channel']\n"], threads  # ours reads the shell socket on its main thread
    same = lambda m: m[3] not in ("False\n", "True\n") and not (m[3] or "").startswith("[")  # noqa: E731
    assert [m for m in theirs if same(m)] == [m for m in ours if same(m)]
    assert ("stream", None, "stdout", "awaited\n", "None", None, None) in ours
    assert ("stream", None, "stdout", "no newline", "None", None, None) in ours
    idle = [i for i, m in enumerate(ours) if m[:2] == ("status", "idle")]
    assert len(idle) == len(_CELLS)


_COUNTED = [
    # every call of IPython's input transformation from here on is counted
    "ip = get_ipython(); tm = ip.input_transformer_manager; calls = []\n"
    "original = tm.transform_cell\n"
    "tm.transform_cell = lambda cell: (calls.append(cell), original(cell))[1]",
    "x = 41",
    "print(len(calls), x + 1)",  # the cells above, and this one, each transformed how many times
    "import asyncio\nawait asyncio.sleep(0)\nprint(len(calls))",  # ipykernel's other path: once, as before
    "from IPython.core.interactiveshell import InteractiveShell\nprint(ip.transform_cell('a = 1') == 'a = 1\\n',"
    " ip.transform_cell('a = 1') == 'a = 1\\n', len(calls))",  # the student's own calls: each one runs
]


def _stdout_of(tmp_path: Path, monkeypatch, cells: list[str], speedups: bool) -> list[str]:
    printed: list[str] = []
    statuses = _run_cells(tmp_path, monkeypatch, cells, speedups,
                          lambda m: printed.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
    assert statuses == ["ok"] * len(cells), statuses
    return printed


def test_the_kernel_speedups_transform_each_cell_once(tmp_path, monkeypatch):
    """ipykernel transforms a cell's code, then IPython's run_cell transforms it again; with the speed-ups the second
    is the first's result, and everything else (a cell with await, the student's own calls) runs as before."""
    assert _stdout_of(tmp_path, monkeypatch, _COUNTED, speedups=True) == ["2 42\n", "3\n", "True True 6\n"]
    assert _stdout_of(tmp_path, monkeypatch, _COUNTED, speedups=False) == ["4 42\n", "5\n", "True True 9\n"]
