"""Reading a file from a student's folder on the grader's side, as hostile input.

A student's folder may hold a symbolic link (to another student's submission, to source/, to the gradebook), a
named pipe that blocks whoever opens it, a device, or a file of gigabytes. The grader reads such files only
through :func:`read_student_file`: never through a link, never anything but a regular file, never more than a
limit, and never waiting on a pipe.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 1_000_000  # far above any real inventory.json or exam answer file


@dataclass(frozen=True)
class Refused(Exception):
    """Why a student's file was not read (one sentence, no path beyond the file's own name)."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} {self.reason}"


def read_student_file(path: str | Path, *, max_bytes: int = MAX_BYTES) -> bytes | None:
    """The bytes of the regular file at ``path``; None if there is no file there.

    Raises :class:`Refused` for a link, a pipe, a socket, a device, a folder or a file over ``max_bytes``.
    Every parent folder is the grader's own (the caller joins a plain name to a folder it created).
    """
    path = Path(path)
    name = path.name
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(before.st_mode):
        raise Refused(name, "is a symbolic link, which the grader never follows; it was graded as missing")
    if not stat.S_ISREG(before.st_mode):
        raise Refused(name, "is not a regular file (a folder, pipe, socket or device); it was graded as missing")
    if before.st_size > max_bytes:
        raise Refused(name, f"is larger than {max_bytes:,} bytes; it was graded as missing")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:  # replaced by a link or a pipe between lstat and open
        raise Refused(name, f"could not be opened safely ({exc.strerror}); it was graded as missing") from None
    try:
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            raise Refused(name, "changed while the grader opened it; it was graded as missing")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise Refused(name, f"is larger than {max_bytes:,} bytes; it was graded as missing")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
