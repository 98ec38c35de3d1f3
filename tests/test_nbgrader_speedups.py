"""The autograde workers' speed-ups of nbgrader (ipt_lib/course/nbgrader_speedups.py): nbgrader's verdicts kept,
and nbgrader's own code used, with a one-line warning, on a release they were not written for."""

from __future__ import annotations

import pytest

from ipt_lib.course import nbgrader_speedups
from ipt_lib.course.nbgrader_speedups import SchemaOnce


def _validator():
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

    return MetadataValidatorV3()


@pytest.mark.parametrize("meta", [
    {"grade": True, "grade_id": "q1", "locked": False, "points": 1, "schema_version": 3, "solution": False,
     "task": False},
    {"grade": True, "grade_id": "q1", "locked": False, "points": "one", "schema_version": 3, "solution": False,
     "task": False},
    {"grade": True, "locked": False, "points": 1, "schema_version": 3, "solution": False, "task": False},
    {"grade": "yes", "grade_id": "q1", "locked": False, "schema_version": 3, "solution": False, "task": False},
])
def test_schema_checked_once_gives_the_same_verdict_as_jsonschema(meta):
    import jsonschema

    schema = _validator().schema
    once = SchemaOnce(jsonschema)

    def verdict(module):
        try:
            module.validate(meta, schema)
            return None
        except jsonschema.ValidationError as exc:
            return (exc.message, list(exc.path), list(exc.schema_path))

    expected = verdict(jsonschema)
    assert verdict(once) == expected
    assert verdict(once) == expected  # the cached validator, a second time
    wrong_type = meta.get("points") == "one" or meta.get("grade") == "yes"
    assert (expected is not None) == wrong_type


def test_a_broken_schema_is_still_refused():
    import jsonschema

    with pytest.raises(jsonschema.SchemaError):
        SchemaOnce(jsonschema).validate({}, {"type": "no such type"})


def test_the_installed_nbgrader_is_a_release_the_speedups_were_written_for():
    """If this fails, nbgrader was upgraded: grading is still right (nbgrader's own code runs), but slower. Check
    that the internals the speed-ups replace are unchanged in the new release, then add it to NBGRADER_RELEASES."""
    assert nbgrader_speedups.unsupported_warning() is None, nbgrader_speedups.unsupported_warning()


def test_an_unknown_release_leaves_nbgrader_s_own_code_in_place():
    import jsonschema
    from nbgrader import api
    from nbgrader.nbgraderformat import common

    engine, validator = api.create_engine, common.jsonschema
    assert nbgrader_speedups.apply(release="0.10.0") is False
    assert api.create_engine is engine and common.jsonschema is validator is jsonschema


def test_an_unknown_release_is_said_in_one_line():
    warning = nbgrader_speedups.unsupported_warning("0.10.0")
    assert warning is not None and "\n" not in warning
    assert "nbgrader 0.10.0" in warning and "nbgrader's own code" in warning


def test_the_autograde_command_says_when_it_grades_without_the_speedups(monkeypatch, tmp_path):
    from ipt_lib.course.parallel import autograde

    monkeypatch.setattr(nbgrader_speedups, "NBGRADER_RELEASES", ())
    said: list[str] = []
    autograde(tmp_path, ["a1"], echo=said.append)
    assert said[0] == nbgrader_speedups.unsupported_warning(), said
