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


def test_one_huge_line_is_cut_to_the_byte_limit_with_a_note():
    import nbformat

    from ipt_lib.course.preprocessors import LimitOutputBytes

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('x' * 10**8)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 5_000_000 + "é"),
                    nbformat.v4.new_output("display_data", data={"image/png": "A" * 3_000_000})]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(1)")]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * 150_000)]
    guard = LimitOutputBytes(max_output_bytes=100_000, max_notebook_bytes=180_000)
    nb, _ = guard.preprocess(nb, {})
    text = nb.cells[0].outputs[0]["text"]
    assert len(text.encode()) < 100_200 and "output cut: 4,900,002 more bytes" in text  # é is two bytes
    assert nb.cells[0].outputs[1]["data"] == {"text/plain": LimitOutputBytes._note(3_000_000)}
    assert len(nb.cells[1].outputs[0]["text"]) < 81_000  # what was left of the notebook's budget, and a note
    assert "output cut" in nb.cells[1].outputs[0]["text"]


def test_clean_folder_removes_links_pipes_and_huge_files_without_following_them(tmp_path):
    import os

    from ipt_lib.course.folderguard import clean_folder

    outside = tmp_path / "outside.txt"
    outside.write_text("someone else's")
    folder = tmp_path / "student"
    (folder / "sub").mkdir(parents=True)
    (folder / "problem_areas.ipynb").symlink_to(outside)
    (folder / "sub" / "pipe").parent.mkdir(exist_ok=True)
    os.mkfifo(folder / "sub" / "pipe")
    (folder / "linked_dir").symlink_to(tmp_path)
    (folder / "big.bin").write_bytes(b"0" * 2048)
    (folder / "inventory.json").write_text("{}")
    removed = dict(clean_folder(str(folder), max_bytes=1024))
    assert set(removed) == {"problem_areas.ipynb", os.path.join("sub", "pipe"), "linked_dir", "big.bin"}
    assert outside.read_text() == "someone else's" and (folder / "inventory.json").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["inventory.json", "sub"]


def test_a_submitted_notebook_that_is_a_link_is_not_graded(tmp_path):
    import nbformat
    import pytest
    from traitlets.config import Config

    from ipt_lib.course.folderguard import RefuseLinkedSubmission, submitted_folder

    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    resources = {"nbgrader": {"student": "ana", "assignment": "a1", "notebook": "problem_areas"}}
    folder = tmp_path / "submitted" / "ana" / "a1"
    folder.mkdir(parents=True)
    assert submitted_folder(config, resources) == str(folder)
    guard = RefuseLinkedSubmission(config=config)
    (folder / "problem_areas.ipynb").write_text("{}")
    guard.preprocess(nbformat.v4.new_notebook(), resources)                     # a plain file: graded as usual
    (folder / "problem_areas.ipynb").unlink()
    (folder / "problem_areas.ipynb").symlink_to(tmp_path / "source.ipynb")      # e.g. the instructor's source
    with pytest.raises(ValueError, match="symbolic link"):
        guard.preprocess(nbformat.v4.new_notebook(), resources)
    assert "symbolic link: not graded" in (tmp_path / "integrity-files.csv").read_text()
    assert submitted_folder(config, {"nbgrader": {}}) is None
