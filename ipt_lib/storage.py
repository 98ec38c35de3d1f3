"""Saving students' work so that nothing is lost: atomic writes, and damaged files kept aside.

>>> path = atomic_write_json("state.json", {"schema": 1})   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from .errors import StudentFacingError

__all__ = ["atomic_write_text", "atomic_write_json", "load_json", "StoredFileError"]


class StoredFileError(StudentFacingError):
    title = "Saved file could not be read"


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` so that a crash leaves either the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would have
        # (the old file's mode, or 0666 less the umask), so shared course folders stay readable.
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            mask = os.umask(0)
            os.umask(mask)
            mode = 0o666 & ~mask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(path: str | Path, data: object) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def _keep_aside(path: Path, reason: str, *, copy: bool = False) -> Path:
    """Move (or copy) ``path`` to ``<name>.<reason>-<time>`` beside it, never over an earlier one."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.{reason}-{stamp}")
    n = 1
    while kept.exists():
        kept = path.with_name(f"{path.name}.{reason}-{stamp}-{n}")
        n += 1
    if copy:
        import shutil

        shutil.copy2(path, kept)
    else:
        os.replace(path, kept)
    return kept


def load_json(path: str | Path, *, kind: str, schema_version: int) -> dict | None:
    """Read a saved JSON file of ``kind``; ``None`` if there is none.

    A damaged file, or one written by something else, is moved aside (never overwritten) and reported
    with a :class:`StoredFileError` that says where it was kept.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        kept = _keep_aside(path, "damaged")
        raise StoredFileError(f"{path.name} was damaged and could not be read. It was kept as {kept.name} "
                              "(nothing was deleted); your work starts fresh from here.") from None
    if not isinstance(data, dict) or data.get("kind") != kind:
        kept = _keep_aside(path, "foreign")
        raise StoredFileError(f"{path.name} is not a saved {kind} file. It was kept as {kept.name}; "
                              "a new file will be started.")
    if data.get("schema_version", 0) > schema_version:
        raise StoredFileError(f"{path.name} was saved by a newer version of the workbook (schema "
                              f"{data.get('schema_version')}); update ipt_lib to open it. The file was left as it is.")
    return data
