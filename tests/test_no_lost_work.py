"""Atomic saves, damaged files kept aside, and submissions that appear whole or not at all."""

import json
import os
from pathlib import Path

import pytest

from ipt_lib.storage import StoredFileError, atomic_write_json, atomic_write_text, load_json


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "state.json"
    atomic_write_json(path, {"kind": "inventory", "schema_version": 1, "people": ["A"]})
    atomic_write_json(path, {"kind": "inventory", "schema_version": 1, "people": ["A", "B"]})
    assert json.loads(path.read_text())["people"] == ["A", "B"]
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_crash_during_a_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    atomic_write_text(path, "old")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write_text(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_damaged_file_is_kept_aside_and_reported(tmp_path):
    path = tmp_path / "state.json"
    path.write_text('{"kind": "inventory", "peop')
    with pytest.raises(StoredFileError, match="kept as state.json.damaged-"):
        load_json(path, kind="inventory", schema_version=1)
    kept = list(tmp_path.glob("state.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"kind": "inventory", "peop' and not path.exists()


def test_a_foreign_file_is_kept_aside_not_overwritten(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"something": "else"}))
    with pytest.raises(StoredFileError, match="not a saved inventory file"):
        load_json(path, kind="inventory", schema_version=1)
    assert list(tmp_path.glob("state.json.foreign-*"))


def test_a_newer_file_is_left_untouched(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"kind": "inventory", "schema_version": 9}))
    with pytest.raises(StoredFileError, match="newer version"):
        load_json(path, kind="inventory", schema_version=1)
    assert path.exists()


@pytest.mark.slow
def test_interrupted_resubmission_keeps_the_earlier_submission_whole(tmp_path):
    from traitlets.config import Config

    from ipt_lib.course.exchange import AtomicExchangeSubmit

    exchange, home = tmp_path / "exchange", tmp_path / "home"
    (exchange / "ipt101" / "outbound" / "a1").mkdir(parents=True)
    (exchange / "ipt101" / "outbound" / "a1" / "work.ipynb").write_text("{}")
    (exchange / "ipt101" / "inbound").mkdir(parents=True)
    (home / "a1").mkdir(parents=True)
    (home / "a1" / "work.ipynb").write_text('{"first": true}')

    def submit(cls):
        config = Config()
        config.CourseDirectory.course_id = "ipt101"
        config.CourseDirectory.assignment_id = "a1"
        config.CourseDirectory.student_id = "zoe"
        config.Exchange.root = str(exchange)
        config.Exchange.assignment_dir = str(home)
        config.Exchange.cache = str(tmp_path / "cache")
        cls(coursedir=None, authenticator=None, config=config).start()

    os.chdir(home)
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory

    def make(cls):
        class Bound(cls):
            def __init__(self, coursedir=None, authenticator=None, config=None):
                coursedir = CourseDirectory(config=config)
                super().__init__(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)
        return Bound

    submit(make(AtomicExchangeSubmit))
    inbound = exchange / "ipt101" / "inbound"
    first = [p for p in inbound.iterdir()]
    assert len(first) == 1 and (first[0] / "work.ipynb").read_text() == '{"first": true}'

    class Interrupted(AtomicExchangeSubmit):
        def do_copy(self, src, dest, log=None):
            super().do_copy(src, dest)
            raise KeyboardInterrupt("laptop closed half-way")

    (home / "a1" / "work.ipynb").write_text('{"second": true}')
    with pytest.raises(KeyboardInterrupt):
        submit(make(Interrupted))
    assert [p.name for p in inbound.iterdir()] == [first[0].name]   # no partial submission visible
    assert (first[0] / "work.ipynb").read_text() == '{"first": true}'
