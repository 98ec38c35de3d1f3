"""The autograde workers' speed-ups of nbgrader (ipt_lib/course/nbgrader_speedups.py): nbgrader's verdicts kept,
and nbgrader's own code used, with a one-line warning, on a release they were not written for."""

from __future__ import annotations

import pytest

from ipt_lib.course import nbgrader_speedups
from ipt_lib.course.nbgrader_speedups import SchemaOnce


def _validator():
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

    return MetadataValidatorV3()


def verdict_of(module, meta, schema):
    import jsonschema

    try:
        module.validate(meta, schema)
        return None
    except jsonschema.ValidationError as exc:
        return (exc.message, list(exc.path), list(exc.schema_path))


@pytest.mark.parametrize("meta", [
    {"grade": True, "grade_id": "q1", "locked": False, "points": 1, "schema_version": 3, "solution": False,
     "task": False},
    {"grade": True, "grade_id": "q1", "locked": False, "points": "one", "schema_version": 3, "solution": False,
     "task": False},
    {"grade": True, "locked": False, "points": 1, "schema_version": 3, "solution": False, "task": False},
    {"grade": "yes", "grade_id": "q1", "locked": False, "schema_version": 3, "solution": False, "task": False},
    # the compiled schema's edges: a bool is no number, a negative score, an id outside the pattern, a key the
    # schema does not know, another version, a checksum of the wrong length, a missing optional key
    {"grade": True, "grade_id": "q1", "locked": False, "points": True, "schema_version": 3, "solution": False},
    {"grade": True, "grade_id": "q1", "locked": False, "points": -1, "schema_version": 3, "solution": False},
    {"grade": True, "grade_id": "q 1!", "locked": False, "points": 1, "schema_version": 3, "solution": False},
    {"grade": False, "locked": True, "schema_version": 3, "solution": False, "colour": "red"},
    {"grade": False, "locked": False, "schema_version": 2, "solution": True, "grade_id": "a"},
    {"grade": False, "locked": True, "schema_version": 3, "solution": False, "grade_id": "a", "checksum": "ab"},
    {"grade": False, "locked": True, "schema_version": 3, "solution": False, "grade_id": "a",
     "cell_type": "code", "checksum": "0123456789abcdef0123456789abcdef"},
    {"grade": False, "locked": False, "schema_version": 3, "solution": True, "grade_id": "a", "points": 2.5},
])
def test_schema_checked_once_gives_the_same_verdict_as_jsonschema(meta):
    import jsonschema

    schema = _validator().schema
    once = SchemaOnce(jsonschema)

    def verdict(module):
        return verdict_of(module, meta, schema)

    before = dict(meta)
    expected = verdict(jsonschema)
    assert verdict(once) == expected
    assert verdict(once) == expected  # the cached validator, a second time
    assert meta == before  # judged only: no default filled in
    assert once._latest[2] is not None, "nbgrader's schema should compile"
    # nbgrader's next notebook: the same schema read again, a new object; judged by the same compiled check
    compiled = once._latest[2]
    assert verdict_of(once, meta, _validator().schema) == expected and once._latest[2] is compiled
    points = meta.get("points")
    wrong = (points == "one" or points is True or points == -1 or meta.get("grade") == "yes" or " " in meta.get("grade_id", "")
             or "colour" in meta or meta["schema_version"] != 3 or meta.get("checksum") == "ab")
    assert (expected is not None) == wrong


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


def test_the_course_s_saveautogrades_becomes_one_commit_per_notebook():
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
    from traitlets.config import Config

    config = Config()
    config.Autograde.autograde_preprocessors = [SaveAutoGrades, AssignLatePenalties]
    nbgrader_speedups.configure(config)
    once = nbgrader_speedups.save_autogrades_once()
    assert config.Autograde.autograde_preprocessors == [once, AssignLatePenalties]
    assert issubclass(once, SaveAutoGrades) and once._add_score is SaveAutoGrades._add_score


def test_saveautogrades_once_writes_nbgrader_s_rows_in_one_commit(tmp_path, monkeypatch):
    """The same grades and comments as nbgrader's SaveAutoGrades, with one COMMIT for the notebook's scores."""
    import nbformat
    from nbgrader import api
    from nbgrader.preprocessors import SaveAutoGrades
    from nbgrader.tests import create_grade_and_solution_cell, create_solution_cell
    from sqlalchemy import event

    def graded(cls, name):
        url = f"sqlite:///{tmp_path / name}"
        nb = nbformat.v4.new_notebook()
        nb.cells = [create_grade_and_solution_cell("x = 1", "code", "q1", 2),
                    create_solution_cell("y = 2", "code", "q2")]
        nb.cells[0].outputs = [nbformat.v4.new_output("error", ename="E", evalue="", traceback=[])]
        with api.Gradebook(url) as gb:
            gb.add_assignment("ps0")
            gb.add_student("bar")
            gb.add_notebook("p1", "ps0")
            gb.add_grade_cell("q1", "p1", "ps0", max_score=2, cell_type="code")
            gb.add_solution_cell("q1", "p1", "ps0")
            gb.add_solution_cell("q2", "p1", "ps0")
            gb.add_submission("ps0", "bar")
            engine = gb.engine
        commits: list[int] = []
        listener = lambda conn: commits.append(1)  # noqa: E731
        event.listen(engine, "commit", listener)
        resources = {"nbgrader": {"notebook": "p1", "assignment": "ps0", "student": "bar", "db_url": url}}
        try:
            cls().preprocess(nb, resources)
        finally:
            event.remove(engine, "commit", listener)
        with api.Gradebook(url) as gb:
            nbook = gb.find_submission_notebook("p1", "ps0", "bar")
            rows = ([(g.name, g.auto_score, g.needs_manual_grade) for g in sorted(nbook.grades, key=lambda g: g.name)],
                    [(c.name, c.auto_comment) for c in sorted(nbook.comments, key=lambda c: c.name)])
        return rows, len(commits)

    # one engine per url, so that the commit listener sees the preprocessor's; undone after the test (nbgrader's
    # own create_engine and Gradebook.__init__ for the rest of the session)
    monkeypatch.setattr(api, "create_engine", api.create_engine)
    monkeypatch.setattr(api.Gradebook, "__init__", api.Gradebook.__init__)
    monkeypatch.setattr(api.Gradebook, "close", api.Gradebook.close)
    for name in ("find_source_cell", "find_graded_cell", "find_grade", "find_comment"):
        monkeypatch.setattr(api.Gradebook, name, getattr(api.Gradebook, name))
    nbgrader_speedups.share_gradebook_engines()
    assert getattr(api.create_engine, "ipt_shared", False)
    theirs, their_commits = graded(SaveAutoGrades, "a.db")
    ours, our_commits = graded(nbgrader_speedups.save_autogrades_once(), "b.db")
    assert ours == theirs and len(theirs[0]) == 1 and len(theirs[1]) == 2
    # nbgrader's Gradebook() commits once on opening (its check_course, nothing written); with the speed-ups only
    # the first open of a course on an engine does (the set-up's, above), so only the scores' commits are counted
    assert their_commits == 3 and our_commits == 1


def test_a_worker_reuses_its_gradebook_connection(monkeypatch, tmp_path):
    """nbgrader's Gradebook.close() disposes of the engine's pool, so each of a submission's ~11 opens was a new
    connection (for PostgreSQL a TCP connection, a login and a server process); with the shared engine one connection
    serves them all, and what each open commits is still seen by the next."""
    from nbgrader import api
    from sqlalchemy import event

    monkeypatch.setattr(api, "create_engine", api.create_engine)
    monkeypatch.setattr(api.Gradebook, "__init__", api.Gradebook.__init__)
    monkeypatch.setattr(api.Gradebook, "close", api.Gradebook.close)
    for name in ("find_source_cell", "find_graded_cell", "find_grade", "find_comment"):
        monkeypatch.setattr(api.Gradebook, name, getattr(api.Gradebook, name))
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with api.Gradebook(url) as gb:  # nbgrader's own: a new connection per open
        engine = gb.engine
    nbgrader_speedups.share_gradebook_engines()
    connects: list[int] = []
    with api.Gradebook(url) as gb:
        event.listen(gb.engine, "connect", lambda *a: connects.append(1))
        gb.add_student("ada")
    for name in ("bo", "cy"):
        with api.Gradebook(url) as gb:
            gb.add_student(name)
    with api.Gradebook(url) as gb:
        assert sorted(s.id for s in gb.students) == ["ada", "bo", "cy"]
        shared = gb.engine
    assert connects == [] and shared is not engine  # the first open's connection, kept in the pool, served the rest
    # a gradebook on an engine that is not shared is closed as nbgrader closes it
    other = api.Gradebook.__new__(api.Gradebook)
    disposed: list[int] = []
    other.engine = type("E", (), {"dispose": lambda self: disposed.append(1)})()
    other.db = type("S", (), {"remove": lambda self: None})()
    other.close()
    assert disposed == [1]


def test_cell_lookups_together_give_nbgrader_s_answers(monkeypatch, tmp_path):
    """find_source_cell, find_graded_cell, find_grade and find_comment answered from one query per kind: the same
    objects as nbgrader's own queries, and the same errors for a name that is not there."""
    from nbgrader import api

    for name in ("find_source_cell", "find_graded_cell", "find_grade", "find_comment"):
        monkeypatch.setattr(api.Gradebook, name, getattr(api.Gradebook, name))
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with api.Gradebook(url) as gb:
        gb.add_assignment("ps0")
        gb.add_student("bar")
        gb.add_notebook("p1", "ps0")
        gb.add_notebook("p2", "ps0")
        for nb in ("p1", "p2"):
            gb.add_grade_cell("q1", nb, "ps0", max_score=2, cell_type="code")  # graded and a solution
            gb.add_solution_cell("q1", nb, "ps0")
            gb.add_solution_cell("s2", nb, "ps0")
            gb.add_task_cell("t3", nb, "ps0", max_score=1, cell_type="markdown")
            for cell, kind in (("q1", "code"), ("s2", "code"), ("t3", "markdown")):
                gb.add_source_cell(cell, nb, "ps0", cell_type=kind, source=f"{nb} {cell}", locked=cell != "s2")
        gb.add_submission("ps0", "bar")
    calls = [("find_source_cell", (c, nb, "ps0")) for nb in ("p1", "p2", "p9") for c in ("q1", "s2", "t3", "zz")]
    calls += [("find_graded_cell", (c, nb, "ps0")) for nb in ("p1", "p2") for c in ("q1", "t3", "s2")]
    calls += [(f, (c, nb, "ps0", st)) for f in ("find_grade", "find_comment") for nb in ("p1", "p2")
              for c in ("q1", "s2", "t3", "zz") for st in ("bar", "nobody")]

    def answers(gb):
        out = []
        for function, args in calls:
            try:
                row = getattr(gb, function)(*args)
                out.append((type(row).__name__, row.id))
            except Exception as exc:  # noqa: BLE001 - the error is part of the answer
                out.append((type(exc).__name__, str(exc)))
        return out

    with api.Gradebook(url) as gb:
        theirs = answers(gb)
    nbgrader_speedups._look_up_cells_together(api)
    assert getattr(api.Gradebook.find_grade, "ipt_together", False)
    with api.Gradebook(url) as gb:
        ours = answers(gb)
    assert ours == theirs
    assert {a[0] for a in theirs} >= {"SourceCell", "GradeCell", "TaskCell", "Grade", "Comment", "MissingEntry"}
    # what autograde asks for (names that are there): one query per kind and notebook, not one per call
    from sqlalchemy import event

    found = [call for call, answer in zip(calls, theirs) if answer[0] != "MissingEntry"]
    with api.Gradebook(url) as gb:
        queries: list[int] = []
        listener = lambda *a: queries.append(1)  # noqa: E731
        event.listen(gb.engine, "before_cursor_execute", listener)
        try:
            rows = [getattr(gb, function)(*args) for function, args in found]
        finally:
            event.remove(gb.engine, "before_cursor_execute", listener)
        assert rows[0] is gb.db.get(api.SourceCell, rows[0].id)  # the session's own object
    assert len(found) == 20 and len(queries) <= 14, len(queries)


def test_outputs_get_nbformat_s_verdicts_from_the_compiled_schema(monkeypatch):
    """Each output the kernel sends is validated as nbclient builds it; with the compiled schema every valid output
    is still valid and every invalid one raises nbformat's own error, word for word."""
    from nbformat import json_compat
    from nbformat.v4 import nbbase

    cases = [
        {"output_type": "stream", "name": "stdout", "text": "hi\n"},
        {"output_type": "stream", "name": "stdout", "text": ["a", "b"]},
        {"output_type": "display_data", "data": {"text/plain": "x", "image/png": "iVBO"}, "metadata": {}},
        {"output_type": "execute_result", "data": {"text/plain": "42"}, "metadata": {}, "execution_count": 3},
        {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": ["t"]},
        {"output_type": "stream", "name": 5, "text": "x"},  # invalid from here on
        {"output_type": "display_data", "data": "not a bundle", "metadata": {}},
        {"output_type": "execute_result", "data": {}, "metadata": {}},
        {"output_type": "teleport", "text": "x"},
        {"output_type": "error", "ename": "E", "evalue": "", "traceback": [1, 2]},
        {"output_type": "stream", "name": "stdout", "text": "x", "extra": True},
        {"output_type": "display_data", "data": {"text/plain": 7}, "metadata": {}},
        "not even a dict",
    ]
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "x", "id": "abc"},
             {"cell_type": "markdown", "metadata": {}, "source": 5, "id": "abc"}]

    def verdicts():
        out = []
        for ref, items in (("output", cases), ("markdown_cell", cells)):
            for item in items:
                try:
                    nbbase.validate(item, ref)
                    out.append("valid")
                except Exception as exc:  # noqa: BLE001 - the verdict, whatever it is
                    out.append(f"{type(exc).__name__}: {exc}")
        return out

    monkeypatch.setattr(json_compat.FastJsonSchemaValidator, "iter_errors",
                        json_compat.FastJsonSchemaValidator.iter_errors)
    theirs = verdicts()
    nbgrader_speedups.validate_outputs_once_compiled()
    assert getattr(json_compat.FastJsonSchemaValidator.iter_errors, "ipt_compiled", False)
    assert verdicts() == theirs
    assert theirs[:5] == ["valid"] * 5 and "valid" not in theirs[5:len(cases)] and theirs[len(cases):] != ["valid"] * 2


def test_message_dates_parse_to_the_same_datetimes(monkeypatch):
    from jupyter_client import jsonutil

    monkeypatch.setattr(jsonutil, "parse_date", jsonutil.parse_date)
    samples = ["2026-12-02T14:58:42.123456Z", "2026-12-02T14:58:42Z", "2026-12-02T14:58:42.1+05:30",
               "2026-12-02T14:58:42+0530", "2026-12-02T14:58:42.12345-01:00", "not a date", "", None,
               {"date": "2026-12-02T14:58:42.000001Z", "msg_id": "abc", "nested": ["2026-01-01T00:00:00Z", 3]}]
    theirs = [jsonutil.extract_dates(s) for s in samples]
    nbgrader_speedups.parse_message_dates_quickly()
    assert getattr(jsonutil.parse_date, "ipt_quick", False)
    ours = [jsonutil.extract_dates(s) for s in samples]
    assert ours == theirs
    assert [getattr(d, "isoformat", lambda: d)() for d in ours[:5]] == [d.isoformat() for d in theirs[:5]]
    with pytest.raises(ValueError):  # a string that looks like a date but is not one: jupyter_client's error
        jsonutil.parse_date("2026-13-02T14:58:42Z")


def test_wal_only_on_a_local_file_system(monkeypatch, tmp_path):
    assert nbgrader_speedups.wal_allowed(str(tmp_path / "gradebook.db")) == (
        nbgrader_speedups.file_system_type(str(tmp_path)) not in ("", *nbgrader_speedups.NETWORK_FILE_SYSTEMS))
    assert not nbgrader_speedups.wal_allowed(":memory:") and not nbgrader_speedups.wal_allowed(None)
    for kind in ("nfs4", "cifs", "fuse.sshfs", ""):
        monkeypatch.setattr(nbgrader_speedups, "file_system_type", lambda path, kind=kind: kind)
        assert not nbgrader_speedups.wal_allowed(str(tmp_path / "gradebook.db")), kind
    monkeypatch.setattr(nbgrader_speedups, "file_system_type", lambda path: "ext4")
    assert nbgrader_speedups.wal_allowed(str(tmp_path / "gradebook.db"))
    monkeypatch.setenv("IPT_GRADEBOOK_NO_WAL", "1")
    assert not nbgrader_speedups.wal_allowed(str(tmp_path / "gradebook.db"))


def test_the_mount_that_holds_a_path_is_the_longest_above_it(monkeypatch, tmp_path):
    import builtins
    import io

    mountinfo = ("22 1 0:21 / / rw - ext4 /dev/sda1 rw\n"
                 "30 22 0:40 / /srv/nfs rw,relatime shared:1 - nfs4 server:/export rw\n"
                 "31 30 0:41 / /srv/nfs/local rw - tmpfs tmpfs rw\n")
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda path, *a, **k: io.StringIO(mountinfo)
                        if path == "/proc/self/mountinfo" else real_open(path, *a, **k))
    monkeypatch.setattr("os.path.realpath", lambda p: p)
    assert nbgrader_speedups.file_system_type("/srv/nfs/course/gradebook.db") == "nfs4"
    assert nbgrader_speedups.file_system_type("/srv/nfs/local/x") == "tmpfs"
    assert nbgrader_speedups.file_system_type("/srv/nfsx/y") == "ext4"


def test_the_gradebook_speedups_are_undone_after_the_test_above():
    from nbgrader import api

    assert not getattr(api.create_engine, "ipt_shared", False)
    assert api.Gradebook.close.__module__ == "nbgrader.api"
    from jupyter_client import jsonutil
    from nbformat import json_compat

    assert not getattr(jsonutil.parse_date, "ipt_quick", False)
    assert not getattr(api.Gradebook.find_grade, "ipt_together", False)
    assert not getattr(json_compat.FastJsonSchemaValidator.iter_errors, "ipt_compiled", False)
