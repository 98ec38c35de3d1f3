"""release/ is exactly what nbgrader makes from source/ now, and nothing graded leaks out of the course."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from ipt_lib.course import assignment1
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


def hidden_lines(root: Path) -> list[str]:
    """Every line of a hidden test or a solution in source/: none of them may reach a student."""
    lines = []
    for path in (root / "source").rglob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if "### BEGIN HIDDEN TESTS" in line or "### BEGIN SOLUTION" in line:
                    inside = True
                elif "### END HIDDEN TESTS" in line or "### END SOLUTION" in line:
                    inside = False
                elif inside and any(label in line for label in LABELS) and line.strip(" '\"") not in LABELS:
                    # lines that tie a case to its label; a bare 'grief' is everywhere (answer cells are
                    # checked on their own below)
                    lines.append(line.strip())
    return lines


def graded_secrets(corpus, root=Path(__file__).resolve().parents[1]) -> list[str]:
    """Strings that would reveal graded answers: hidden-test and solution lines, and graded rationales."""
    secrets = hidden_lines(root)
    assert any("assert_area" in line for line in secrets)
    for v in corpus:
        if v.is_graded:
            secrets.append(" ".join(v.rationale.split())[:60])
            if v.hard_point:
                secrets.append(v.hard_point[:60])
    return secrets


def test_release_holds_no_solution_hidden_test_or_graded_label(root, corpus):
    graded_ids = {v.id for v in corpus if v.is_graded}
    for path in (root / "release").rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN" not in text and "BEGIN SOLUTION" not in text, path
        for secret in graded_secrets(corpus):
            assert secret not in text, f"{path} leaks {secret!r}"
    deck = json.loads((root / "release" / A1 / assignment1.DECK).read_text(encoding="utf-8"))
    for case in deck["cases"]:
        if case["id"] in graded_ids:
            assert set(case) <= {"id", "title", "kind", "population", "age_band", "condition", "setting",
                                 "text", "content_note", "case"}, case["id"]


def test_release_answer_cells_hold_only_the_stub(root):
    nb = nbformat.read(root / "release" / A1 / assignment1.NOTEBOOK, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) == len(assignment1.GRADED_IDS) + 1
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
def test_wheel_and_sdist_hold_no_graded_material(root, tmp_path, corpus):
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(root)],
                   check=True, capture_output=True, cwd=tmp_path)
    wheel = next(out.glob("*.whl"))
    graded_ids = {v.id for v in corpus if v.is_graded}
    graded_text = [v.text.split(".")[0] for v in corpus if v.is_graded]
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "ipt_lib/_data/practice_cases.json" in names
        assert not [n for n in names if n.startswith(("data/", "source/", "release/"))]
        for name in names:
            text = archive.read(name).decode("utf-8", "replace")
            for secret in graded_secrets(corpus) + graded_text:
                assert secret not in text, f"wheel file {name} leaks {secret!r}"
        practice = json.loads(archive.read("ipt_lib/_data/practice_cases.json"))
        assert not {c["id"] for c in practice["cases"]} & graded_ids
    import tarfile
    sdist = next(out.glob("*.tar.gz"))
    with tarfile.open(sdist) as archive:
        members = [m.name for m in archive.getmembers()]
        assert not [m for m in members if "/data/vignettes/" in m or "/source/" in m]
