"""Running the real nbgrader command line, as an instructor or as a student would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .config import COURSE_ID, config_file_text


class NbgraderFailed(RuntimeError):
    def __init__(self, args: list[str], code: int, output: str):
        tail = "\n".join(output.strip().splitlines()[-25:])
        super().__init__(f"`nbgrader {' '.join(args)}` exited with {code}:\n{tail}")
        self.output = output


def environment() -> dict[str, str]:
    """The environment for nbgrader: this Python's bin/ first on PATH (nbgrader runs alembic from there)."""
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.pop("JUPYTER_CONFIG_DIR", None)
    return env


def nbgrader_executable() -> str:
    candidate = Path(sys.executable).parent / "nbgrader"
    return str(candidate) if candidate.exists() else (shutil.which("nbgrader") or "nbgrader")


@dataclass
class Nbgrader:
    """nbgrader run from one folder (a course root, or a student's home)."""

    cwd: Path
    jupyter_path: Path | None = None  # where the ipt-sandbox kernelspec lives, for autograde

    def __call__(self, *args: str, check: bool = True, on_line: Callable[[str], None] | None = None) -> str:
        cmd = [nbgrader_executable(), *args]
        env = environment()
        if self.jupyter_path:
            env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(self.jupyter_path), env.get("JUPYTER_PATH")]))
        proc = subprocess.Popen(cmd, cwd=self.cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if on_line:
                on_line(line.rstrip("\n"))
        code = proc.wait()
        output = "".join(lines)
        if check and code != 0:
            raise NbgraderFailed(list(args), code, output)
        return output


def write_course_config(root: Path, *, exchange: Path | None = None, timeout: int | None = None,
                        course_id: str = COURSE_ID, sandbox_ipc: Path | None = None) -> Path:
    """An nbgrader_config.py for a course root with its own SQLite gradebook (and exchange, if given)."""
    settings = {"CourseDirectory__root": str(root),
                "CourseDirectory__db_url": f"sqlite:///{root / 'gradebook.db'}"}
    if exchange is not None:
        settings["Exchange__root"] = str(exchange)
    if timeout is not None:
        settings["ExecutePreprocessor__timeout"] = timeout
    if course_id != COURSE_ID:
        settings["CourseDirectory__course_id"] = course_id
    path = root / "nbgrader_config.py"
    path.write_text(config_file_text(sandbox_ipc=str(sandbox_ipc) if sandbox_ipc else None, **settings),
                    encoding="utf-8")
    return path


def write_student_config(home: Path, exchange: Path, course_id: str = COURSE_ID) -> Path:
    """What a hub gives each student: where the exchange is and which course they take."""
    text = ("from ipt_lib.course.config import configure_exchange\n\n"
            f"c = get_config()  # noqa: F821\nconfigure_exchange(c)\nc.CourseDirectory.course_id = {course_id!r}\n"
            f"c.Exchange.root = {str(exchange)!r}\nc.Exchange.assignment_dir = {str(home)!r}\n"
            # each student's own submission cache (on a hub it is in their own home anyway); shared, fetch_feedback
            # would fetch every student's feedback that it can find there
            f"c.Exchange.cache = {str(home / '.nbgrader-cache')!r}\n")
    path = home / "nbgrader_config.py"
    path.write_text(text, encoding="utf-8")
    return path
