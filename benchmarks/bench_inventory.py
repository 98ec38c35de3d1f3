"""Inventory widget speed: median time from "add person" to the redrawn closeness circle, for 30 people,
and the cost of `import ipt_lib` against a bare interpreter start, in the same run.

    python benchmarks/bench_inventory.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def startup(code: str, runs: int = 9) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from ipt_lib.widgets import inventory_widget

    with tempfile.TemporaryDirectory() as folder:
        widget = inventory_widget("Benchmark client", Path(folder) / "inventory.json")
        times = []
        for i in range(30):
            widget.name.value, widget.relationship.value = f"Person {i:02d}", "friend"
            widget.ring.value = ("inner", "middle", "outer")[i % 3]
            widget.conflict.value = ("none", "some", "none", "high")[i % 4]
            start = time.perf_counter()
            assert widget.submit(), widget.message.value
            times.append(time.perf_counter() - start)
    base, package = startup("pass"), startup("import ipt_lib")
    print(f"add person -> saved + redrawn circle, 30 people: median {statistics.median(times) * 1000:.0f} ms, "
          f"last 10 median {statistics.median(times[-10:]) * 1000:.0f} ms (aim < 150 ms)")
    print(f"python -c pass: {base * 1000:.1f} ms; import ipt_lib: {package * 1000:.1f} ms "
          f"(x{package / base:.2f}; adds {(package - base) * 1000:.1f} ms, aim < 100 ms)")


if __name__ == "__main__":
    main()
