"""Make release/ from source/ with `nbgrader generate_assignment`, in a scratch course."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .nbgrader_cli import Nbgrader, write_course_config


def assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def generate(root: Path, assignment: str, into: Path) -> Path:
    """Run nbgrader generate_assignment on root/source/ASSIGNMENT; put the student version in ``into``."""
    with tempfile.TemporaryDirectory(prefix="ipt-generate-") as tmp:
        course = Path(tmp)
        shutil.copytree(root / "source" / assignment, course / "source" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        write_course_config(course)
        Nbgrader(course)("generate_assignment", assignment, "--force")
        target = into / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(course / "release" / assignment, target)
    return target


def regenerate_release(root: Path) -> list[Path]:
    """Rewrite release/ in the repository from source/ (every assignment)."""
    (root / "release").mkdir(exist_ok=True)
    return [generate(root, name, root / "release") for name in assignments(root)]
