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
    """Sanitize step, before the student's code runs: a submitted notebook or folder that is a symbolic link, or a
    submitted folder holding a link, pipe, socket, device or over-size file (placed in submitted/ by hand: the
    course's collect never copies one), is not graded. nbgrader records the error for that student, removes what it
    had copied for them, and goes on with the others. (``ipt-course autograde`` moves such files to quarantine/
    first, so it grades the rest of the submission.)"""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        folder = submitted_folder(self.config, resources)
        if folder and info.get("notebook"):
            notebook = os.path.join(folder, info["notebook"] + ".ipynb")
            root, student, assignment = self._where(resources)
            if os.path.islink(notebook) or os.path.islink(folder):
                _record(root, student, assignment, info["notebook"] + ".ipynb",
                        "submitted notebook is a symbolic link: not graded")
                raise ValueError(f"{student}'s submitted {info['notebook']}.ipynb is a symbolic link; it was not "
                                 "graded (see integrity-files.csv)")
            unsafe = unsafe_entries(folder) if os.path.isdir(folder) else []
            if unsafe:
                # nbgrader has already copied the folder for grading (following links): refuse this run, so the
                # kernel never sees the copies, and move the files aside so that the next run grades the rest
                for relative, why in unsafe:
                    _record(root, student, assignment, relative, f"{why} in submitted/: submission not graded")
                vet_submitted(root, student, assignment)
                relative, why = unsafe[0]
                raise ValueError(f"{student}'s submitted folder held {relative} ({why}); it was not graded this "
                                 "time and the file was moved to quarantine/. Run autograde again for this student "
                                 "(see integrity-files.csv)")
        return nb, resources


# --- what enters submitted/: at collect, and what an instructor placed there by hand --------------------------------

def _refusal(info: os.stat_result, size_limit: int) -> str | None:
    if stat.S_ISLNK(info.st_mode):
        return "symbolic link"
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISREG(info.st_mode):
        return "pipe, socket or device"
    if info.st_size > size_limit:
        return f"file over {size_limit:,} bytes"
    return None


def _copy_regular(source: str, target: str, limit: int) -> str | None:
    """Copy one regular file without following a link or blocking on a pipe swapped in after the check; at most
    ``limit`` bytes. Returns why it was not copied, or None."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return f"could not be read ({exc.strerror})"
    try:
        info = os.fstat(fd)
        refused = _refusal(info, limit)
        if refused:
            return refused
        with open(target, "xb") as out:
            left = limit + 1
            while left > 0:
                chunk = os.read(fd, min(1 << 20, left))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
        if left <= 0:
            os.unlink(target)
            return f"file over {limit:,} bytes"
        os.chmod(target, 0o644)
    finally:
        os.close(fd)
    return None


def safe_copy_submission(source: str, target: str, *, ignore: list[str] = (), include: list[str] = ("*",),
                         max_file_bytes: int = MAX_FILE_BYTES, max_total_bytes: int = 2 * MAX_FILE_BYTES
                         ) -> list[tuple[str, str]]:
    """Copy a submission folder as plain files and folders only. Links, pipes, sockets, devices, over-size files
    and whatever would take the folder over ``max_total_bytes`` are left out, never followed or opened for reading
    in a way that could block. Returns (relative path, why it was left out) for each."""
    import fnmatch

    left_out: list[tuple[str, str]] = []
    os.makedirs(target, exist_ok=True)
    total = 0
    for here, dirs, files in os.walk(source, followlinks=False):
        relative_here = os.path.relpath(here, source)
        keep = []
        for name in sorted(dirs):
            path = os.path.join(here, name)
            if any(fnmatch.fnmatch(name, pattern) for pattern in ignore):
                continue
            if os.path.islink(path):
                left_out.append((os.path.normpath(os.path.join(relative_here, name)), "symbolic link: not collected"))
                continue
            os.makedirs(os.path.join(target, relative_here, name), exist_ok=True)
            keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            if any(fnmatch.fnmatch(name, pattern) for pattern in ignore) or \
                    not any(fnmatch.fnmatch(name, pattern) for pattern in include):
                continue
            path = os.path.join(here, name)
            relative = os.path.normpath(os.path.join(relative_here, name))
            try:
                info = os.lstat(path)
            except OSError as exc:
                left_out.append((relative, f"could not be read ({exc.strerror}): not collected"))
                continue
            why = _refusal(info, max_file_bytes)
            if why is None and total + info.st_size > max_total_bytes:
                why = f"the folder would pass {max_total_bytes:,} bytes"
            if why is None:
                why = _copy_regular(path, os.path.join(target, relative), max_file_bytes)
            if why:
                left_out.append((relative, f"{why}: not collected"))
            else:
                total += info.st_size
    return left_out


def vet_submitted(course_root: str, student: str, assignment: str) -> list[tuple[str, str]]:
    """Before autograde: move every link, pipe, socket, device or over-size file out of the student's submitted/
    folder (into quarantine/<student>/<assignment>/, where the instructor can look; nothing is deleted) and record
    each in integrity-files.csv. Returns (relative path, what was done)."""
    folder = os.path.join(course_root, "submitted", student, assignment)
    moved: list[tuple[str, str]] = []
    if os.path.islink(folder):
        _record(course_root, student, assignment, ".", "submitted folder is a symbolic link: not graded")
        return [(".", "submitted folder is a symbolic link: not graded")]
    if not os.path.isdir(folder):
        return moved
    quarantine = os.path.join(course_root, "quarantine", student, assignment)
    for relative, why in unsafe_entries(folder):
        destination = os.path.join(quarantine, relative)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        os.replace(os.path.join(folder, relative), destination)  # moves the link or pipe itself: nothing is opened
        what = f"{why} moved to quarantine/ before grading (never followed or opened)"
        _record(course_root, student, assignment, relative, what)
        moved.append((relative, what))
    return moved


def unsafe_entries(folder: str) -> list[tuple[str, str]]:
    """(relative path, why) for each link, pipe, socket, device or over-size file under ``folder``."""
    found = []
    for here, dirs, files in os.walk(folder, followlinks=False):
        for name in list(dirs) + files:
            path = os.path.join(here, name)
            try:
                why = _refusal(os.lstat(path), MAX_FILE_BYTES)
            except FileNotFoundError:
                continue
            if why:
                found.append((os.path.relpath(path, folder), why))
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(here, d))]
    return found
