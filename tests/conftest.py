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
