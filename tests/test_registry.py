"""The assignment registry: one entry per assignment, and each entry agrees with what its builder writes."""

from pathlib import Path

import nbformat
import pytest

from ipt_lib.course import registry
from ipt_lib.course.cycle import default_specs

ROOT = Path(__file__).resolve().parents[1]


def test_each_assignment_has_its_source_release_and_data_folder():
    for a in registry.ASSIGNMENTS:
        assert (ROOT / "source" / a.name / a.notebook).is_file(), a.name
        assert (ROOT / "release" / a.name / a.notebook).is_file(), a.name
        assert sorted((ROOT / "data" / "assignments" / a.name).glob("*.md")), f"{a.name}: no prose in data/assignments"


@pytest.mark.parametrize("assignment", registry.ASSIGNMENTS, ids=lambda a: a.name)
def test_manual_cells_are_the_ones_the_source_grades_by_hand(assignment):
    """The registry's hand-graded cells and points are the source notebook's graded solution cells."""
    nb = nbformat.read(ROOT / "source" / assignment.name / assignment.notebook, as_version=4)
    by_hand = {meta["grade_id"]: meta["points"] for meta in (c.metadata.get("nbgrader", {}) for c in nb.cells)
               if meta.get("grade") and meta.get("solution")}
    assert by_hand == assignment.manual


def test_names_are_unique_and_looked_up_by_name():
    assert len(set(registry.names())) == len(registry.ASSIGNMENTS)
    assert registry.get("a3_caseload").notebook == "caseload.ipynb"
    assert registry.find("a0_missing") is None
    with pytest.raises(ValueError, match="a1_problem_areas"):
        registry.get("a0_missing")


def test_the_cycle_runs_every_assignment_with_a_sample_class_in_order():
    assert [s.name for s in default_specs(ROOT)] == [a.name for a in registry.ASSIGNMENTS if a.sample_class]


def test_a_brace_the_builder_cannot_fill_is_named_with_its_file(tmp_path):
    from ipt_lib.course.cells import prose

    folder = tmp_path / "data" / "assignments" / "a9_new"
    folder.mkdir(parents=True)
    (folder / "intro.md").write_text("Points: {points}; a set {x}.\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"intro\.md: .*'x'.*This block can use \{points\}"):
        prose(tmp_path, "a9_new", "intro", points=3)
    assert prose(tmp_path, "a9_new", "intro") == "Points: {points}; a set {x}.\n"  # no values: read as it is
