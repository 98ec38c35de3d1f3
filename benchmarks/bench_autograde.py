"""Autograde throughput: plain `nbgrader autograde` against `ipt-course autograde`, in the same run.

    python benchmarks/bench_autograde.py [--students 100] [--workers N] [--keep DIR]

Builds a course with a synthetic class of Assignment 1 submissions (the sample class's profiles in turn: perfect,
blank, partly right, odd formats, invalid answers, a notebook that raises, deleted and edited test cells; the
profile that loops forever is left out because its time limit would dominate both runs equally), then grades the
same submissions three times in separate copies of the course, all in the bubblewrap sandbox:

1. baseline: plain `nbgrader autograde a1_problem_areas` (one process, one submission at a time, a cold kernel each);
2. `ipt-course autograde` with its default workers (one per core) and cold sandboxed kernels;
3. `ipt-course autograde --warm` with its default workers (twice the cores, at most cores + 4), kernels forked from
   a sandboxed server that has already imported the libraries (ipt_lib/course/warm_kernels.py, forkserver.py).

It prints submissions per minute and the ratio to the baseline for 2 and 3, checks that every item's score is the
same in all three gradebooks, and breaks one submission's time down (kernel start, imports, cells, nbgrader's
bookkeeping) for a cold and a warm kernel.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from ipt_lib.course.cycle import default_specs  # noqa: E402
from ipt_lib.course.nbgrader_cli import Nbgrader, write_course_config  # noqa: E402
from ipt_lib.course.sandbox import install_kernelspec  # noqa: E402

A1 = "a1_problem_areas"  # the assignment graded; --assignment changes it


def make_course(root: Path, students: int) -> tuple[Path, Path]:
    spec = next(s for s in default_specs(ROOT) if s.name == A1)
    course = root / "course"
    (course / "source").mkdir(parents=True)
    shutil.copytree(ROOT / "source" / A1, course / "source" / A1)
    share, ipc = root / "sandbox" / "share", root / "sandbox" / "ipc"
    install_kernelspec(share, hide=[course, ROOT, Path.home()], ipc=ipc)
    write_course_config(course, timeout=15, sandbox_ipc=ipc)
    Nbgrader(course)("generate_assignment", A1, "--force")
    key = spec.key
    profiles = [p for p in spec.profiles if "loops" not in p.description]
    release = course / "release" / A1
    for i in range(students):
        profile = profiles[i % len(profiles)]
        sid = f"s{i:03d}-{profile.student}"
        folder = course / "submitted" / sid / A1
        shutil.copytree(release, folder)
        nb = nbformat.read(folder / spec.notebook, as_version=4)
        profile.edit(nb, key)
        nbformat.write(nb, folder / spec.notebook)
        if profile.prepare:
            profile.prepare(folder, key)
        (folder / "timestamp.txt").write_text(f"2026-11-26 09:{i // 60:02d}:{i % 60:02d}.000000 UTC")
    return course, share


def copy_course(root: Path, name: str) -> tuple[Path, Path]:
    """A copy of the course (and its sandbox kernelspec) under ``root``/``name``."""
    target = root.parent / name
    shutil.copytree(root, target, ignore=shutil.ignore_patterns("ipc"))
    course = target / "course"
    for path in (course / "nbgrader_config.py", target / "sandbox" / "share" / "kernels" / "ipt-sandbox" / "kernel.json"):
        path.write_text(path.read_text().replace(str(root), str(target)))
    return course, target / "sandbox" / "share"


def scores(course: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {(s.student.id, g.name): g.auto_score for s in gb.assignment_submissions(A1)
                for nb in s.notebooks for g in nb.grades if g.auto_score is not None}


def breakdown(course: Path, share: Path, warm: bool) -> dict[str, float]:
    """One submission, step by step, with the kernel manager the grader uses (nbclient's AsyncKernelManager and a
    cold ipt-sandbox kernel, or the warm ipt-fork kernel with its own manager)."""
    import asyncio
    from contextlib import ExitStack

    from jupyter_client.manager import AsyncKernelManager

    from ipt_lib.course.warm_kernels import WarmKernelManager, start_warm_kernels

    folder = next((course / "submitted").iterdir()) / A1
    work = course / "autograded" / "breakdown" / A1
    shutil.rmtree(work.parent, ignore_errors=True)
    shutil.copytree(folder, work)
    notebook = next(p.name for p in work.glob("*.ipynb"))
    nb = nbformat.read(work / notebook, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]

    async def steps(kernel: str, manager, ipc: str | None) -> dict[str, float]:
        t0 = time.perf_counter()
        km = manager(kernel_name=kernel)
        if ipc:
            km.transport, km.ip = "ipc", ipc.rstrip("/") + "/kernel"
        await km.start_kernel(cwd=str(work))
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        t1 = time.perf_counter()
        await kc.execute_interactive(code[0], timeout=60, output_hook=lambda m: None)
        t2 = time.perf_counter()
        for source in code[1:]:
            await kc.execute_interactive(source, timeout=60, output_hook=lambda m: None)
        t3 = time.perf_counter()
        kc.stop_channels()
        await km.shutdown_kernel(now=False)
        t4 = time.perf_counter()
        return {"kernel start": t1 - t0, "imports (set-up cell)": t2 - t1, "other cells": t3 - t2,
                "kernel shutdown": t4 - t3}

    with ExitStack() as stack:
        path = share
        if warm:
            path = start_warm_kernels(course, share, stack).share
        os.environ["JUPYTER_PATH"] = str(path)
        if warm:
            return asyncio.run(steps("ipt-fork", WarmKernelManager, None))
        config_text = (course / "nbgrader_config.py").read_text()
        ipc = config_text.split("ipc=")[1].split(")")[0].strip("'\"") if "ipc=" in config_text else None
        return asyncio.run(steps("ipt-sandbox", AsyncKernelManager, ipc))


def main() -> int:
    global A1
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", help="keep the courses in this folder")
    parser.add_argument("--assignment", default=A1, help="a1_problem_areas (default) or a3_caseload (pandas, "
                        "matplotlib: what the warm kernels are for)")
    args = parser.parse_args()
    A1 = args.assignment
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ipt-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    from ipt_lib.course.parallel import autograde, default_workers

    print(f"building a class of {args.students} submissions of {A1} in {base} ...", flush=True)
    course, share = make_course(base / "baseline", args.students)
    cold_course, cold_share = copy_course(base / "baseline", "parallel")
    warm_course, warm_share = copy_course(base / "baseline", "warm")
    n = args.students

    t = time.perf_counter()
    Nbgrader(course, jupyter_path=share)("autograde", A1, check=False)
    baseline = time.perf_counter() - t
    print(f"plain nbgrader autograde:            {baseline:7.1f} s  {60 * n / baseline:6.1f} submissions/min")

    t = time.perf_counter()
    autograde(cold_course, [A1], workers=args.workers, jupyter_path=cold_share, echo=lambda s: None,
              progress_stream=open(os.devnull, "w"))
    cold = time.perf_counter() - t
    print(f"ipt-course autograde (cold kernels): {cold:7.1f} s  {60 * n / cold:6.1f} submissions/min  "
          f"x{baseline / cold:.2f}  ({args.workers or default_workers(warm=False)} workers)")

    t = time.perf_counter()
    warm_summary = autograde(warm_course, [A1], workers=args.workers, jupyter_path=warm_share, echo=lambda s: None,
              progress_stream=open(os.devnull, "w"), warm=True)
    warm = time.perf_counter() - t
    print(f"ipt-course autograde --warm:         {warm:7.1f} s  {60 * n / warm:6.1f} submissions/min  "
          f"x{baseline / warm:.2f}  ({args.workers or default_workers(warm=True)} workers)")

    base_scores, cold_scores, warm_scores = scores(course), scores(cold_course), scores(warm_course)
    same = base_scores == cold_scores == warm_scores
    print(f"scores identical item by item in all three gradebooks: {same} ({len(base_scores)} item scores)")
    for name, other in (("cold", cold_scores), ("warm", warm_scores)):
        differ = sorted({k[0] for k in set(base_scores) | set(other) if base_scores.get(k) != other.get(k)})
        if differ:
            print(f"  {name} differs for {len(differ)} submission(s): {', '.join(differ[:8])}")

    print("\nwhere one submission's time goes (seconds):")
    cold_steps, warm_steps = breakdown(cold_course, cold_share, False), breakdown(warm_course, warm_share, True)
    per_cold = baseline / n
    for name in cold_steps:
        print(f"  {name:24} cold {cold_steps[name]:5.2f}   warm {warm_steps[name]:5.2f}")
    bookkeeping = per_cold - sum(cold_steps.values())
    print(f"  {'nbgrader bookkeeping':24} cold {bookkeeping:5.2f}   (per submission in the baseline: {per_cold:.2f} s "
          "minus the steps above: reading, sanitising, restoring tests, gradebook writes)")
    run = warm_summary[A1]
    cores = len(os.sched_getaffinity(0))
    worker_cpu, kernel_cpu = run.worker_cpu / n, run.kernel_cpu / max(run.kernels, 1)
    print(f"\nthe warm run's CPU per submission (measured: each worker's own CPU time, each kernel's from wait4):")
    print(f"  workers (nbgrader's bookkeeping, the kernel client)   {worker_cpu:5.3f} s")
    print(f"  kernel (start, the student's cells, exit; {run.kernels} kernels)  {kernel_cpu:5.3f} s")
    print(f"  together {worker_cpu + kernel_cpu:5.3f} s of CPU; on {cores} cores that allows at best "
          f"{(worker_cpu + kernel_cpu) / cores:5.3f} s per submission; measured {warm / n:5.3f} s "
          "(the rest: the fork server, zmq's I/O threads, the gradebook's lock, waiting)")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
