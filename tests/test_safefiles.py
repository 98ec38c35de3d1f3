"""The grader reads a student's file only if it is a regular file under the size limit, never through a link."""

from __future__ import annotations

import os
import threading

import pytest

from ipt_lib.course.safefiles import Refused, read_student_file


def test_regular_file_is_read_and_absent_file_is_none(tmp_path):
    (tmp_path / "inventory.json").write_bytes(b'{"kind": "x"}')
    assert read_student_file(tmp_path / "inventory.json") == b'{"kind": "x"}'
    assert read_student_file(tmp_path / "nothing.json") is None


def test_symbolic_link_is_refused_even_to_a_readable_file(tmp_path):
    other = tmp_path / "other_student.json"
    other.write_text("{}")
    (tmp_path / "inventory.json").symlink_to(other)
    with pytest.raises(Refused, match="symbolic link"):
        read_student_file(tmp_path / "inventory.json")
    (tmp_path / "dangling.json").symlink_to(tmp_path / "gone")
    with pytest.raises(Refused, match="symbolic link"):
        read_student_file(tmp_path / "dangling.json")


def test_named_pipe_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "inventory.json")
    result: list = []
    reader = threading.Thread(target=lambda: result.append(pytest.raises(Refused, read_student_file,
                                                                         tmp_path / "inventory.json")))
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "reading a pipe blocked the grader"
    assert "not a regular file" in str(result[0].value)


def test_folder_and_oversized_file_are_refused(tmp_path):
    (tmp_path / "inventory.json").mkdir()
    with pytest.raises(Refused, match="not a regular file"):
        read_student_file(tmp_path / "inventory.json")
    (tmp_path / "big.json").write_bytes(b" " * 2048)
    with pytest.raises(Refused, match="larger than 1,024 bytes"):
        read_student_file(tmp_path / "big.json", max_bytes=1024)
    assert "/" not in str(Refused("big.json", "is larger than 1,024 bytes"))
