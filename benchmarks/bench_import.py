"""What `import ipt_lib` costs a student's kernel and every autograde, as a ratio of a bare interpreter start.

    python benchmarks/bench_import.py [--runs N]

Each measurement is a fresh interpreter (imports are cached within one), alternating baseline and subject runs
in the same command so machine load affects both alike.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "baseline: python -c pass": "pass",
    "import ipt_lib": "import ipt_lib",
    "ipt_lib.ProblemArea.parse": "import ipt_lib; ipt_lib.ProblemArea.parse('grief')",
    "ipt_lib.grading (test cells)": "import ipt_lib.grading",
    "reference: import pandas": "import pandas",
}


def timed(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, code in CASES.items():
            samples[name].append(timed(code))
    base = statistics.median(samples["baseline: python -c pass"])
    print(f"{'case':34} {'median ms':>10} {'x baseline':>11}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:34} {median * 1000:10.1f} {median / base:11.2f}")


if __name__ == "__main__":
    main()
