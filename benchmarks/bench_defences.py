"""What each grading-integrity defence costs per submission, measured where it runs, in one command.

    python benchmarks/bench_defences.py [--students 60] [--assignment a1_problem_areas] [--repeat 5]

1. Inside `ipt-course autograde --warm` on a synthetic class (the benchmark's own course, bubblewrap on): every
   preprocessor's `preprocess` is timed in the workers themselves (a few lines appended to that course's
   nbgrader_config.py; the product is unchanged), and so is `vet_submitted`, which runs before each one. Each
   defence is printed as milliseconds per submission and as a share of the whole run's wall time per submission
   (the baseline, measured in the same run). nbgrader's own steps are printed beside them for scale.
2. Outside autograde, each against its undefended counterpart in the same process, repeated, with the spread:
   collect (the course's `SafeExchangeCollect` copy against nbgrader's `shutil.copytree`), and the feedback leak
   check with its disguise search (reversed, stripped, base64/hex runs) against the plain search only.
"""

from __future__ import annotations

import argparse
import collections
import os
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

DEFENCES = {  # preprocessor or function -> what it defends
    "RefuseLinkedSubmission": "a submitted notebook or folder that is a link, or holds one",
    "vet_submitted": "links, pipes, huge files in submitted/ moved to quarantine (warm path)",
    "OverwriteCells": "tampered or deleted test cells restored (nbgrader's own)",
    "SealComputedKeys": "computed keys sealed before the kernel runs",
    "SealKeyedChecks": "keyed checks sealed before the kernel runs",
    "DropBrokenGradingMetadata": "broken grading metadata dropped",
    "DropPlantedFiles": "links, pipes, huge files the kernel left, removed",
    "LimitOutput": "output lines capped (nbgrader's own)",
    "LimitOutputBytes": "output bytes capped",
    "StaticAnswerGrader": "keyed items scored in the grader, not the kernel",
    "SetExamStudent": "the exam variant drawn for the submitting student, not a neighbour's",
    "WrapLongLines": "(readability: long messages wrapped for Formgrader and feedback)",
    "RobustExecute": "(execution itself, in the sandbox, with the kernel's clean environment and time limits)",
}

TIMING_HOOK = '''
# --- appended by benchmarks/bench_defences.py: time every preprocessor in the workers ---
import os as _os, time as _time
_TIMINGS = {timings!r}

def _timed(cls):
    original = cls.preprocess
    def preprocess(self, nb, resources):
        started = _time.perf_counter()
        try:
            return original(self, nb, resources)
        finally:
            with open(_TIMINGS, "a") as _h:
                _h.write(f"{{cls.__name__}}\\t{{_time.perf_counter() - started:.6f}}\\n")
    cls.preprocess = preprocess

import ipt_lib.course.folderguard as _f
for _cls in list(c.Autograde.sanitize_preprocessors) + list(c.Autograde.autograde_preprocessors):
    _timed(_cls)  # each step autograde runs, once: none of them is a subclass of another
_vet = _f.vet_submitted
def _vet_timed(*a, **k):
    started = _time.perf_counter()
    try:
        return _vet(*a, **k)
    finally:
        with open(_TIMINGS, "a") as _h:
            _h.write(f"vet_submitted\\t{{_time.perf_counter() - started:.6f}}\\n")
_f.vet_submitted = _vet_timed
'''


def inside_autograde(base: Path, students: int) -> None:
    from ipt_lib.course.parallel import autograde

    course, share = bench_autograde.make_course(base / "course-run", students)
    timings = base / "timings.tsv"
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + TIMING_HOOK.format(timings=str(timings)))
    import ipt_lib.course.parallel as parallel

    # the worker imports vet_submitted from folderguard at call time: the hook's replacement is what it finds
    started = time.perf_counter()
    autograde(course, [bench_autograde.A1], jupyter_path=share, echo=lambda s: None,
              progress_stream=open(os.devnull, "w"), warm=True)
    wall = time.perf_counter() - started
    per = wall / students
    totals: dict[str, list[float]] = collections.defaultdict(list)
    for line in timings.read_text().splitlines():
        name, seconds = line.split("\t")
        totals[name].append(float(seconds))
    all_steps = sum(sum(v) for v in totals.values()) / students
    print(f"\n1. inside `ipt-course autograde --warm`, {students} submissions of {bench_autograde.A1}: wall "
          f"{wall:.1f} s ({1000 * per:.0f} ms per submission with the workers in parallel); the steps below take "
          f"{1000 * all_steps:.0f} ms of a worker's time per submission, the baseline for the shares")
    print(f"   {'step':28} {'ms/submission':>13} {'share':>7}  what it defends")
    rows = sorted(totals.items(), key=lambda kv: -sum(kv[1]))
    for name, values in rows:
        ms = 1000 * sum(values) / students
        print(f"   {name:28} {ms:13.2f} {ms / (1000 * all_steps):7.1%}  {DEFENCES.get(name, '(nbgrader)')}")
    own = [k for k in totals if k in DEFENCES and k not in ("RobustExecute", "OverwriteCells", "LimitOutput",
                                                              "WrapLongLines")]
    defences = sum(sum(totals[k]) for k in own) / students
    print(f"   the course's own defences ({', '.join(sorted(own))}) together: {1000 * defences:.2f} ms per "
          f"submission, {defences / all_steps:.1%} of a worker's time per submission")
    del parallel


def _spread(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.2f} ms (min {min(samples) * 1000:.2f}, max {max(samples) * 1000:.2f})"


def outside_autograde(base: Path, students: int, repeat: int) -> None:
    from nbgrader.utils import ignore_patterns

    from ipt_lib.course.folderguard import safe_copy_submission
    from ipt_lib.course.leaks import collect_secrets, scan
    import ipt_lib.course.leaks as leaks

    course = base / "course-run" / "course"
    submitted = sorted((course / "submitted").glob(f"*/{bench_autograde.A1}"))[:students]
    print(f"\n2. outside autograde, {len(submitted)} submissions, {repeat} repeats, median (min, max) per submission")

    def time_copies(copy) -> list[float]:
        samples = []
        for r in range(repeat):
            target = base / f"copies-{r}"
            started = time.perf_counter()
            for i, folder in enumerate(submitted):
                copy(str(folder), str(target / str(i)))
            samples.append((time.perf_counter() - started) / len(submitted))
            shutil.rmtree(target)
        return samples

    plain = time_copies(lambda s, d: shutil.copytree(s, d, ignore=ignore_patterns(exclude=[".ipynb_checkpoints"],
                                                                                  max_file_size=100000)))
    safe = time_copies(lambda s, d: safe_copy_submission(s, d, ignore=[".ipynb_checkpoints"]))
    print(f"   collect, nbgrader's copytree          {_spread(plain)}")
    print(f"   collect, SafeExchangeCollect's copy   {_spread(safe)}   "
          f"x{statistics.median(safe) / statistics.median(plain):.2f} of the baseline")

    secrets = collect_secrets(ROOT)
    feedback = sorted((course / "feedback").rglob("*.html"))[:students] or sorted(
        (course / "autograded").rglob("*.ipynb"))[:students]

    original = leaks._scan_disguised
    with_disguise, without = [], []
    scan(feedback, secrets)  # warm the caches once, then alternate the two so that load affects both alike
    for _ in range(repeat):
        for samples, disguise in ((without, False), (with_disguise, True)):
            leaks._scan_disguised = original if disguise else (lambda *a, **k: [])
            try:
                started = time.perf_counter()
                scan(feedback, secrets)
                samples.append((time.perf_counter() - started) / len(feedback))
            finally:
                leaks._scan_disguised = original
    what = "feedback page" if feedback and feedback[0].suffix == ".html" else "graded notebook"
    print(f"   leak check per {what}, plain search only     {_spread(without)}")
    print(f"   leak check per {what}, with disguise search  {_spread(with_disguise)}   "
          f"x{statistics.median(with_disguise) / statistics.median(without):.2f} of the baseline")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--assignment", default=bench_autograde.A1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", help="keep the course in this folder")
    args = parser.parse_args()
    bench_autograde.A1 = args.assignment
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ipt-bench-defences-"))
    base.mkdir(parents=True, exist_ok=True)
    print(f"building a class of {args.students} submissions of {args.assignment} in {base} ...", flush=True)
    inside_autograde(base, args.students)
    outside_autograde(base, args.students, args.repeat)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
