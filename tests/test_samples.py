"""The sample classes: every profile of every assignment is distinct and edits the notebook it is given."""

import ast
from pathlib import Path

import nbformat
import pytest

from ipt_lib.course import samples
from ipt_lib.course.cycle import default_specs

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module", sorted(Path(samples.__file__).parent.glob("*.py")), ids=lambda p: p.name)
def test_no_helper_is_defined_twice(module):
    """A later helper with the same name silently replaces an earlier one that a sample class still uses."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert sorted({n for n in names if names.count(n) > 1}) == []


@pytest.mark.parametrize("spec", default_specs(ROOT), ids=lambda s: s.name)
def test_every_non_blank_profile_changes_the_released_notebook(spec, tmp_path):
    release = nbformat.read(ROOT / "release" / spec.name / spec.notebook, as_version=4)
    students = [p.student for p in spec.profiles]
    assert len(students) == len(set(students))
    for profile in spec.profiles:
        nb = nbformat.read(ROOT / "release" / spec.name / spec.notebook, as_version=4)
        profile.edit(nb, spec.key)
        changed = [c.source for c in nb.cells] != [c.source for c in release.cells]
        blank = profile.student == "ben" or profile.prepare is not None  # files beside it, or nothing at all
        assert changed or blank, f"{spec.name}: {profile.student}'s edit left the notebook untouched"
