"""release/ is exactly what nbgrader makes from source/ now, and nothing graded leaks out of the course."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from ipt_lib.course import assignment1, assignment2
from ipt_lib.course.leaks import collect_secrets, scan
from ipt_lib.problem_areas import ProblemArea
from ipt_lib.course.release import assignments, generate

A1 = assignment1.ASSIGNMENT
LABELS = set(ProblemArea.labels())


def _cells(path: Path) -> list[tuple[str, str, dict]]:
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.metadata.get("nbgrader", {})) for c in nb.cells]


def test_source_is_what_the_builder_makes_from_data_now(root, tmp_path):
    shutil.copytree(root / "data", tmp_path / "data")
    (tmp_path / "ipt_lib" / "_data").mkdir(parents=True)
    assignment1.build(tmp_path)
    assignment2.build(tmp_path)
    for name, notebook, deck in ((assignment2.ASSIGNMENT, assignment2.NOTEBOOK, assignment2.DECK),):
        assert _cells(tmp_path / "source" / name / notebook) == _cells(root / "source" / name / notebook)
        assert (tmp_path / "source" / name / deck).read_text() == (root / "source" / name / deck).read_text()
    built = tmp_path / "source" / A1
    committed = root / "source" / A1
    assert _cells(built / assignment1.NOTEBOOK) == _cells(committed / assignment1.NOTEBOOK), \
        "source/ is stale: run `ipt-course build`"
    assert (built / assignment1.DECK).read_text() == (committed / assignment1.DECK).read_text()
    assert (tmp_path / "ipt_lib/_data/practice_cases.json").read_text() == \
        (root / "ipt_lib/_data/practice_cases.json").read_text(), "practice deck is stale: run `ipt-course build`"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", assignments(Path(__file__).resolve().parents[1]))
def test_release_is_what_generate_assignment_makes_from_source_now(root, tmp_path, assignment):
    made = generate(root, assignment, tmp_path)
    committed = root / "release" / assignment
    names = sorted(p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
    for name in names:
        if name.endswith(".ipynb"):
            assert _cells(made / name) == _cells(committed / name), f"release/{assignment}/{name} is stale"
        else:
            assert (made / name).read_bytes() == (committed / name).read_bytes(), name


def test_release_notebooks_and_package_pass_the_leak_check(root):
    secrets = collect_secrets(root)
    assert secrets.lines and secrets.phrases and secrets.encoded
    assert scan([root / "release", root / "notebooks", root / "ipt_lib"], secrets) == []


def test_release_answer_cells_hold_only_the_stub(root):
    nb = nbformat.read(root / "release" / A1 / assignment1.NOTEBOOK, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) == len(assignment1.case_sets().graded) + 1
    for cell in answers:
        for label in ("grief", "role dispute", "role transition", "interpersonal deficits"):
            assert f"'{label}'" not in cell.source and f'"{label}"' not in cell.source


def test_release_notebook_has_no_outputs_or_answer_metadata(root):
    for path in (root / "release").rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            assert not cell.get("outputs") and not cell.get("execution_count")
            assert "primary_area" not in json.dumps(cell.metadata)


@pytest.mark.slow
def test_wheel_and_sdist_pass_the_leak_check(root, tmp_path, corpus):
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(root)],
                   check=True, capture_output=True, cwd=tmp_path)
    wheel, sdist = next(out.glob("*.whl")), next(out.glob("*.tar.gz"))
    assert scan([wheel, sdist], collect_secrets(root)) == []
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "ipt_lib/_data/practice_cases.json" in names
        assert {"ipt_lib/_data/cohort/scores.csv", "ipt_lib/_data/cohort/phq9_items.csv", "ipt_lib/_data/training/isipt.toml",
                "ipt_lib/_data/corpus_public.json", "ipt_lib/widgets/inventory.py"} <= set(names)
        assert not [n for n in names if n.startswith(("data/", "source/", "release/"))]
        practice = json.loads(archive.read("ipt_lib/_data/practice_cases.json"))
        assert not {c["id"] for c in practice["cases"]} & {v.id for v in corpus if v.is_graded}


def test_packaged_course_data_is_current_and_public(root, tmp_path):
    """ipt_lib/_data holds copies of non-secret data so lessons run from a wheel; they must match data/ now."""
    from ipt_lib.course.packaged import CORPUS_FIELDS, write_packaged_data

    shutil.copytree(root / "data", tmp_path / "data")
    for path in write_packaged_data(tmp_path):
        committed = root / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale: run `ipt-course build`"
    summary = json.loads((root / "ipt_lib/_data/corpus_public.json").read_text(encoding="utf-8"))["vignettes"]
    assert summary and all(set(record) == set(CORPUS_FIELDS) for record in summary)


def test_more_builders_are_current(root, tmp_path):
    from ipt_lib.course import assignment3, assignment4, assignment5

    shutil.copytree(root / "data", tmp_path / "data")
    for module in (assignment3, assignment4, assignment5):
        module.build(tmp_path)
        built, committed = tmp_path / "source" / module.ASSIGNMENT, root / "source" / module.ASSIGNMENT
        assert sorted(p.name for p in built.iterdir()) == sorted(p.name for p in committed.iterdir())
        for path in built.iterdir():
            if path.suffix == ".ipynb":
                assert _cells(path) == _cells(committed / path.name), f"source/{module.ASSIGNMENT} is stale"
            else:
                assert path.read_bytes() == (committed / path.name).read_bytes(), path.name
