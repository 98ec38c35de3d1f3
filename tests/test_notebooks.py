"""Every notebook runs top to bottom on a fresh kernel (release notebooks as a student first opens them)."""

import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOURCES = sorted((ROOT / "source").glob("*/*.ipynb"))
RELEASES = sorted((ROOT / "release").glob("*/*.ipynb"))


def run(path: Path, *, allow_errors: bool = False) -> nbformat.NotebookNode:
    """Execute a copy of the notebook's folder (notebooks may save files next to themselves)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns("*.json.*", ".ipynb_checkpoints"))
        nb = nbformat.read(folder / path.name, as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=allow_errors,
                       resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def errors(nb) -> list[tuple[dict, dict]]:
    return [(cell.metadata, out) for cell in nb.cells for out in cell.get("outputs", [])
            if out.get("output_type") == "error"]


def test_there_are_notebooks_to_run():
    assert LESSONS and SOURCES and RELEASES


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS + SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs_top_to_bottom_without_error(path):
    nb = run(path)
    assert not errors(nb)


@pytest.mark.slow
@pytest.mark.parametrize("path", RELEASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_blank_release_runs_to_the_end_and_only_format_checks_complain(path):
    nb = run(path, allow_errors=True)
    found = errors(nb)
    assert found, "a blank notebook should fail its format checks"
    for metadata, out in found:
        assert metadata.get("nbgrader", {}).get("grade"), f"a non-test cell failed: {out.get('ename')}"
        assert out["ename"] in {"ProblemAreaError", "DisputeStageError", "MissingAnswer"}, out["ename"]
        shown = "".join(out["traceback"])
        assert any(phrase in shown for phrase in ("No answer yet", "could not be read", "not labelled yet")), shown
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and "Before you submit" in last.source
