"""Autograde throughput: plain `nbgrader autograde` against `ipt-course autograde`, in the same run.

    python benchmarks/bench_autograde.py [--students 100] [--workers N] [--repeat 3] [--compare-workers 2,4]
                                         [--gradebook postgresql] [--assignment a3_caseload] [--keep DIR]
                                         [--no-cold] [--target 10] [--compete 1]

Builds a course with a synthetic class of Assignment 1 submissions (the sample class's profiles in turn: perfect,
blank, partly right, odd formats, invalid answers, a notebook that raises, deleted and edited test cells; the
profile that loops forever is left out because its time limit would dominate both runs equally), then grades the
same submissions three times in separate copies of the course, all in the bubblewrap sandbox:

1. baseline: plain `nbgrader autograde a1_problem_areas` (one process, one submission at a time, a cold kernel each);
2. `ipt-course autograde` with its default workers (one per core) and cold sandboxed kernels;
3. `ipt-course autograde --warm` with its default workers (chosen from a measurement at the start of the run, see
   ``parallel.WorkerCount``), kernels forked from a sandboxed server that has already imported the libraries
   (ipt_lib/course/warm_kernels.py, forkserver.py).

It prints submissions per minute and the ratio to the baseline for 2 and 3, checks that every item's score is the
same in all the gradebooks, and breaks one submission's time down (kernel start, imports, cells, nbgrader's
bookkeeping) for a cold and a warm kernel.

``--repeat R`` grades the class R times (each time in fresh copies of the course) and prints each ratio's median and
range, with the date, the commit, the machine's calibration (a pure-Python loop's time before and after each
repetition, the cores, the load average) and whether the scores were identical item by item in every run.
``--compare-workers 2,4`` adds warm runs with those fixed worker counts (their order rotates between
repetitions, so that each meets the machine's load in turn). ``--gradebook postgresql`` adds a warm run whose
gradebook is a throwaway PostgreSQL server (tests/pg_server.py, as tests/test_postgres_gradebook.py starts it),
with the same workers as the SQLite warm run, and prints its time against SQLite's. ``--no-cold`` leaves out run 2
(for 400 submissions, where it would add half an hour); ``--target 10`` says in how many repetitions the warm run
was at least ten times faster than plain nbgrader; ``--compete 1`` runs a busy-looping process beside every run
(the issue's "second process competing for the cores").
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # pg_server: the throwaway PostgreSQL server of the tests

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


def scores(course: Path, url: str | None = None) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(url or f"sqlite:///{course / 'gradebook.db'}") as gb:
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


def calibration() -> float:
    """Seconds of a pure-Python loop (the issue's calibration): how fast this machine's Python is right now."""
    started = time.perf_counter()
    sum(i * i for i in range(10**7))
    return time.perf_counter() - started


def load_average() -> float:
    return float(open("/proc/loadavg").read().split()[0])


def commit() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" with uncommitted changes" if dirty else "")


def use_postgres(course: Path, url: str) -> None:
    """Point the course copy's nbgrader_config.py at ``url`` and fill that gradebook as generate_assignment does."""
    config = course / "nbgrader_config.py"
    sqlite_url = f"sqlite:///{course / 'gradebook.db'}"
    text = config.read_text()
    if repr(sqlite_url) not in text:
        raise SystemExit(f"{config} does not name its SQLite gradebook as expected: cannot switch it to PostgreSQL")
    config.write_text(text.replace(repr(sqlite_url), repr(url)))
    (course / "gradebook.db").unlink(missing_ok=True)
    Nbgrader(course)("generate_assignment", A1, "--force")  # the assignment's cells in the new gradebook


def spread(values: list[float]) -> str:
    return f"x{statistics.median(values):.2f} (range {min(values):.2f}-{max(values):.2f}, {len(values)} runs)"


def main() -> int:
    global A1
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None, help="a fixed worker count for the cold and warm runs "
                        "(default: the product's: one per core for cold kernels, measured for warm ones)")
    parser.add_argument("--repeat", type=int, default=1, help="grade the class this many times; print each ratio's "
                        "median and range")
    parser.add_argument("--compare-workers", default="", help="also warm runs with these fixed worker counts, "
                        "e.g. 2,4")
    parser.add_argument("--gradebook", choices=("sqlite", "postgresql"), default="sqlite",
                        help="postgresql: also a warm run against a throwaway PostgreSQL server")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the one-submission breakdown at the end")
    parser.add_argument("--no-cold", action="store_true", help="skip the run with cold kernels (the breakdown too): "
                        "plain nbgrader against warm kernels only, for long runs")
    parser.add_argument("--target", type=float, default=None, help="also say in how many runs warm kernels were at "
                        "least this many times faster than plain nbgrader (the issue's targets: 10 for a1, 8 for a3)")
    parser.add_argument("--compete", type=int, default=0, help="run this many busy-looping Python processes "
                        "(nice 0) during every run, plain and warm alike: a machine shared with other work")
    parser.add_argument("--keep", help="keep the courses in this folder")
    parser.add_argument("--assignment", default=A1, help="a1_problem_areas (default) or a3_caseload (pandas, "
                        "matplotlib: what the warm kernels are for)")
    args = parser.parse_args()
    if args.students < 1 or args.repeat < 1:
        parser.error("--students and --repeat must be at least 1")
    try:
        compare = [int(n) for n in args.compare_workers.split(",") if n.strip()]
    except ValueError:
        parser.error(f"--compare-workers takes worker counts separated by commas, not {args.compare_workers!r}")
    if any(n < 1 for n in compare):
        parser.error("--compare-workers: every count must be at least 1")
    A1 = args.assignment
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ipt-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    from contextlib import ExitStack

    from ipt_lib.course.parallel import autograde

    n, cores = args.students, len(os.sched_getaffinity(0))
    started_at, code = datetime.datetime.now(datetime.timezone.utc), commit()  # what the runs below ran
    print(f"{started_at:%Y-%m-%d %H:%M} UTC, commit {code}, {cores} cores, "
          f"Python {sys.version.split()[0]}", flush=True)
    print(f"building a class of {n} submissions of {A1} in {base} ...", flush=True)
    make_course(base / "template", n)
    stack = ExitStack()
    pg = pg_url = None
    if args.gradebook == "postgresql":
        from pg_server import PostgresUnavailable, another_database, create_gradebook, postgres_server

        try:
            pg = stack.enter_context(postgres_server())
        except PostgresUnavailable as exc:
            raise SystemExit(f"--gradebook postgresql: {exc}") from None
        pg_url, _ = create_gradebook(pg)
        print(f"PostgreSQL {pg['bindir'].parent.name} started in {pg['started_in']:.1f}s on port {pg['port']}")

    if args.compete:
        import subprocess

        spin = [sys.executable, "-c", "while True: pass"]
        rivals = [subprocess.Popen(spin) for _ in range(args.compete)]
        stack.callback(lambda: [p.kill() for p in rivals])
        print(f"competing for the cores all along: {args.compete} busy-looping Python process(es)", flush=True)
    ratios: dict[str, list[float]] = {}
    calibrations, loads, identical, item_scores = [], [], True, 0
    last: dict = {}
    with stack:
        for r in range(args.repeat):
            calibrations.append(calibration())
            loads.append(load_average())
            tag = f"[{r + 1}/{args.repeat}] " if args.repeat > 1 else ""
            print(f"\n{tag}calibration {calibrations[-1]:.2f} s, load average {loads[-1]:.2f}", flush=True)
            course, share = copy_course(base / "template", f"plain-{r}")
            t = time.perf_counter()
            Nbgrader(course, jupyter_path=share)("autograde", A1, check=False)
            baseline = time.perf_counter() - t
            print(f"{tag}plain nbgrader autograde:            {baseline:7.1f} s  {60 * n / baseline:6.1f} "
                  "submissions/min", flush=True)
            reference = scores(course)
            item_scores = len(reference)
            runs = [("cold", False, args.workers, None), ("warm", True, args.workers, None)][args.no_cold:]
            variants = []
            for w in compare:
                variants.append((f"warm, {w} workers", True, w, None))
                if pg is not None:
                    variants.append((f"warm, {w} workers, PostgreSQL", True, w, "postgresql"))
            if pg is not None:
                variants.append(("warm, PostgreSQL", True, args.workers, "postgresql"))
            if variants:  # rotate: each variant meets the machine's load in a different place each repetition
                shift = r % len(variants)
                variants = variants[shift:] + variants[:shift]
            seconds: dict[str, float] = {}
            for name, warm, workers, gradebook in runs + variants:
                course, share = copy_course(base / "template", f"{name.replace(', ', '-').replace(' ', '')}-{r}")
                url = None
                if gradebook == "postgresql":
                    url = another_database(pg, pg_url, f"bench_{r}_{len(seconds)}")
                    use_postgres(course, url)
                t = time.perf_counter()
                summary = autograde(course, [A1], workers=workers, jupyter_path=share, echo=lambda s: None,
                                    progress_stream=open(os.devnull, "w"), warm=warm)
                took = seconds[name] = time.perf_counter() - t
                run = summary[A1]
                ratios.setdefault(name, []).append(baseline / took)
                print(f"{tag}ipt-course autograde ({name}):{' ' * max(1, 22 - len(name))}{took:7.1f} s  "
                      f"{60 * n / took:6.1f} submissions/min  x{baseline / took:.2f}  (workers: {run.workers_note})",
                      flush=True)
                got = scores(course, url)
                if got != reference:
                    identical = False
                    differ = sorted({k[0] for k in set(reference) | set(got) if reference.get(k) != got.get(k)})
                    print(f"  {name} differs from plain nbgrader for {len(differ)} submission(s): "
                          f"{', '.join(differ[:8])}")
                last[name] = (course, share, run, took)
            for name in [v[0] for v in variants if v[3] == "postgresql"]:
                sqlite_name = name.replace(", PostgreSQL", "") or "warm"
                label = f"PostgreSQL against SQLite ({sqlite_name})"
                ratio = seconds[sqlite_name] / seconds[name]
                ratios.setdefault(label, []).append(ratio)
                print(f"{tag}{label}: x{ratio:.2f} (above 1: PostgreSQL is faster)")
            calibrations.append(calibration())
            loads.append(load_average())

    print(f"\nsummary: {args.repeat} run(s) of {n} submissions of {A1}, started {started_at:%Y-%m-%d %H:%M} UTC, "
          f"commit {code}")
    print(f"  the machine: {cores} cores; pure-Python loop {min(calibrations):.2f}-{max(calibrations):.2f} s "
          f"(before and after each run); load average {min(loads):.2f}-{max(loads):.2f}"
          + (f"; {args.compete} busy-looping process(es) competing all along" if args.compete else ""))
    for name, values in ratios.items():
        label = name if name.startswith("PostgreSQL") else f"{name} against plain nbgrader"
        print(f"  {label:52} {spread(values)}")
    if args.target:
        met = [x for x in ratios["warm"] if x >= args.target]
        print(f"  target x{args.target:g} (warm against plain nbgrader): met in {len(met)} of {len(ratios['warm'])} "
              f"run(s); lowest x{min(ratios['warm']):.2f}")
    print(f"scores identical item by item in every gradebook of every run: {identical} ({item_scores} item scores "
          "per gradebook)")

    warm_course, warm_share, run, warm = last["warm"]
    if not args.no_breakdown and not args.no_cold:
        cold_course, cold_share, _, _ = last["cold"]
        print("\nwhere one submission's time goes (seconds, the last run's courses):")
        cold_steps, warm_steps = breakdown(cold_course, cold_share, False), breakdown(warm_course, warm_share, True)
        for name in cold_steps:
            print(f"  {name:24} cold {cold_steps[name]:5.2f}   warm {warm_steps[name]:5.2f}")
    worker_cpu, kernel_cpu = run.worker_cpu / n, run.kernel_cpu / max(run.kernels, 1)
    print(f"\nthe last warm run's CPU per submission (measured: each worker's own CPU time, each kernel's from wait4):")
    print(f"  workers (nbgrader's bookkeeping, the kernel client)   {worker_cpu:5.3f} s")
    print(f"  kernel (start, the student's cells, exit; {run.kernels} kernels)  {kernel_cpu:5.3f} s")
    print(f"  together {worker_cpu + kernel_cpu:5.3f} s of CPU; on {cores} cores that allows at best "
          f"{(worker_cpu + kernel_cpu) / cores:5.3f} s per submission; measured {warm / n:5.3f} s "
          "(the rest: the fork server, zmq's I/O threads, the gradebook's lock, waiting)")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
