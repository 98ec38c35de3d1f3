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
    the kernel has been shut down, when DropPlantedFiles looks at it."""
    import time

    _, work = warm
    code = ("import subprocess; subprocess.Popen(['sh', '-c', 'sleep 1; echo late > planted.txt'], "
            "start_new_session=True); print('left')")
    started = time.monotonic()
    outputs = asyncio.run(_start_run_stop(work, code))
    took = time.monotonic() - started
    assert any(m["msg_type"] == "stream" and m["content"]["text"] == "left\n" for m in outputs)
    assert took < 1.0, took  # no second's grace, no 100 ms polls
    time.sleep(1.5)
    assert not (work / "planted.txt").exists()
