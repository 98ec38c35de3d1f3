"""What the grader does with a student's folder before and after the student's code has run there.

The kernel may write its own folder (autograded/<student>/<assignment>/). Whatever it leaves there is hostile:
a symbolic link where nbgrader will write the graded notebook (to a path of the student's choosing), a link that
nbgrader's chmod or feedback step would follow, a named pipe that blocks a reader. ``DropPlantedFiles`` runs right
after execution, when no student process is left (the sandbox's process namespace ends with the kernel): every
link, pipe, socket or device in the folder is removed, and so is any regular file over the size limit, and each
is recorded in ``<course>/integrity-files.csv``. ``RefuseLinkedSubmission`` runs first of all: a notebook in
submitted/ that is a link (placed there by hand, or by a collect from an exchange that kept links) is not graded.
"""

from __future__ import annotations

import csv
import os
import stat
import time

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor

MAX_FILE_BYTES = 50_000_000  # a file the kernel leaves that is larger than this is removed before feedback
REPORT = "integrity-files.csv"


def _record(course_root: str, student: str, assignment: str, path: str, what: str) -> None:
    report = os.path.join(course_root, REPORT)
    new = not os.path.exists(report)
    with open(report, "a", newline="", encoding="utf-8") as handle:  # one short append per line: safe in parallel
        writer = csv.writer(handle)
        if new:
            writer.writerow(["time", "student", "assignment", "file", "what was done"])
        writer.writerow([time.strftime("%Y-%m-%d %H:%M:%S"), student, assignment, path, what])


def clean_folder(folder: str, *, max_bytes: int = MAX_FILE_BYTES) -> list[tuple[str, str]]:
    """Remove every non-regular file (link, pipe, socket, device) and every over-size file under ``folder``,
    without following links. Returns (relative path, what was done) for each."""
    removed = []
    for here, dirs, files in os.walk(folder, followlinks=False):
        for name in list(dirs) + files:
            path = os.path.join(here, name)
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            relative = os.path.relpath(path, folder)
            if stat.S_ISDIR(info.st_mode):
                continue
            if stat.S_ISLNK(info.st_mode):
                what = "symbolic link removed (never followed)"
            elif not stat.S_ISREG(info.st_mode):
                what = "pipe, socket or device removed"
            elif info.st_size > max_bytes:
                what = f"file over {max_bytes:,} bytes removed"
            else:
                continue
            os.unlink(path)
            removed.append((relative, what))
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(here, d))]
    return removed


def submitted_folder(config, resources) -> str | None:
    """The path of the student's submitted/ folder for the notebook in ``resources`` (nbgrader's layout), or None
    when the resources do not say whose submission it is. Whether it exists, or is a link, is the caller's check."""
    info = resources.get("nbgrader", {})
    if not info.get("student") or not info.get("assignment"):
        return None
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    return coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])


class _Guard(Preprocessor):
    def _where(self, resources) -> tuple[str, str, str]:
        info = resources.get("nbgrader", {})
        from nbgrader.coursedir import CourseDirectory

        root = CourseDirectory(config=self.config).root
        return root, info.get("student", "?"), info.get("assignment", "?")


class DropPlantedFiles(_Guard):
    """Autograde step right after execution: no link, pipe, device or huge file left by the kernel survives."""

    def preprocess(self, nb, resources):
        folder = resources.get("metadata", {}).get("path")
        if folder and os.path.isdir(folder) and not os.path.islink(folder):
            root, student, assignment = self._where(resources)
            for relative, what in clean_folder(folder):
                self.log.warning("%s/%s: %s: %s", student, assignment, relative, what)
                _record(root, student, assignment, relative, what)
        return nb, resources


class RefuseLinkedSubmission(_Guard):
    """Sanitize step: a submitted notebook that is a symbolic link is not graded (nbgrader records the error for
    that student and goes on with the others)."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        folder = submitted_folder(self.config, resources)
        if folder and info.get("notebook"):
            notebook = os.path.join(folder, info["notebook"] + ".ipynb")
            if os.path.islink(notebook) or os.path.islink(folder):
                root, student, assignment = self._where(resources)
                _record(root, student, assignment, info["notebook"] + ".ipynb",
                        "submitted notebook is a symbolic link: not graded")
                raise ValueError(f"{student}'s submitted {info['notebook']}.ipynb is a symbolic link; it was not "
                                 "graded (see integrity-files.csv)")
        return nb, resources
