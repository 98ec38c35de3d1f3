"""The start of a warm autograde run: workers forked from the preloaded zygote against workers started as their own
Python processes (IPT_AUTOGRADE_ZYGOTE=0), alternated in one command so that both meet the same load.

    python benchmarks/bench_worker_start.py [--rounds 3] [--workers 4] [--students 8]

Each round measures, for each way of starting them:

- **workers ready**: from the first worker's start until every one of ``--workers`` workers has loaded the course's
  configuration and said it is ready (no fork server: the workers only);
- **warm run**: ``ipt-course autograde --warm --workers N --force`` of ``--students`` submissions, start to end
  (the fork server's start, the workers', the grading); its scores are compared with the first run's.

It prints every figure, the median of each and the ratio of the medians, with the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_autograde  # noqa: E402

from ipt_lib.course import parallel  # noqa: E402


def workers_ready(course: Path, share: Path, workers: int, zygote: bool) -> float:
    """Seconds until ``workers`` workers are ready (each reads its configuration; none gets a student)."""
    started = time.perf_counter()
    z = parallel.Zygote(course / parallel.JOURNAL_DIR / "zygote.log") if zygote else None
    todo: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()
    try:
        pool = [parallel._Worker(course, bench_autograde.A1, share, i, todo, results, "", None, z)
                for i in range(workers)]
        for w in pool:
            w.thread.join(timeout=120)
        if zygote and not all(w.forked for w in pool):
            raise SystemExit(f"a worker was not forked by the zygote: {z.note if z else ''}")
        if any(w.ready_after is None for w in pool):
            raise SystemExit(f"a worker did not start: see {course / parallel.JOURNAL_DIR}")
        return max(w.started + w.ready_after for w in pool) - started
    finally:
        if z is not None:
            z.close()


def warm_run(course: Path, share: Path, workers: int, students: int) -> tuple[float, dict]:
    started = time.perf_counter()
    summary = parallel.autograde(course, [bench_autograde.A1], workers=workers, force=True, jupyter_path=share,
                                 echo=lambda s: None, progress_stream=open(os.devnull, "w"), warm=True)
    seconds = time.perf_counter() - started
    run = summary[bench_autograde.A1]
    if len(run.graded) != students:
        raise SystemExit(f"the warm run graded {len(run.graded)} of {students}: {[o.message for o in run.failed]}")
    return seconds, bench_autograde.scores(course)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--students", type=int, default=8)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="ipt-bench-start-"))
    print(f"load average at the start: {' '.join(open('/proc/loadavg').read().split()[:3])}; "
          f"{len(os.sched_getaffinity(0))} cores", flush=True)
    course, share = bench_autograde.make_course(base / "baseline", args.students)
    figures: dict[tuple[str, str], list[float]] = {}
    reference = None
    try:
        for round_ in range(args.rounds):
            for name, zygote in (("separate", False), ("zygote", True)):
                os.environ[parallel.ZYGOTE_ENV] = "1" if zygote else "0"
                ready = workers_ready(course, share, args.workers, zygote)
                run, scores = warm_run(course, share, args.workers, args.students)
                reference = reference if reference is not None else scores
                if scores != reference:
                    raise SystemExit(f"round {round_ + 1}, {name}: the scores differ from the first run's")
                figures.setdefault((name, "ready"), []).append(ready)
                figures.setdefault((name, "run"), []).append(run)
                print(f"round {round_ + 1} {name:8}: {args.workers} workers ready {ready:6.2f} s   warm run of "
                      f"{args.students} {run:6.2f} s   load {open('/proc/loadavg').read().split()[0]}", flush=True)
    finally:
        os.environ.pop(parallel.ZYGOTE_ENV, None)
        shutil.rmtree(base, ignore_errors=True)
    print(f"\nmedians over {args.rounds} rounds (range):")
    for what in ("ready", "run"):
        sep, zyg = figures[("separate", what)], figures[("zygote", what)]
        print(f"  {what:5}: separate {statistics.median(sep):6.2f} s ({min(sep):.2f}-{max(sep):.2f})   zygote "
              f"{statistics.median(zyg):6.2f} s ({min(zyg):.2f}-{max(zyg):.2f})   "
              f"ratio separate/zygote x{statistics.median(sep) / statistics.median(zyg):.2f}")
    print(f"scores identical in every run: yes ({len(reference or {})} item scores)")
    print(f"load average at the end: {' '.join(open('/proc/loadavg').read().split()[:3])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
