"""Shared fixtures: the repository root and the course data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("PYTHONWARNINGS", "ignore")
# nbgrader runs alembic from the interpreter's bin/ (see shared/notes/jupyter-tooling.md)
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def corpus():
    from ipt_lib.vignettes import load_vignettes

    return load_vignettes(ROOT / "data" / "vignettes")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say how many tests ran of how many, and why the others could not run here: nothing is skipped silently."""
    stats = terminalreporter.stats
    skipped = stats.get("skipped", [])
    ran = sum(len(stats.get(key, [])) for key in ("passed", "failed", "error", "xfailed", "xpassed"))
    if not ran and not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    terminalreporter.write_sep("-", f"ran {ran} of {ran + len(skipped)} tests")
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"  {count} could not run here: {reason}")
    if skipped:
        terminalreporter.write_line("  (./workbook test as root on Debian installs what they need: see .ci/system-deps)")
