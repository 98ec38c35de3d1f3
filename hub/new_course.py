"""Set up an instructor's nbgrader course folder on the hub (run as the instructor, in a hub terminal).

    python hub/new_course.py ~/ipt101 --source /path/to/ipt-workbook/source/a1_problem_areas [--source ...]

What it makes:
- COURSE/source/<assignment>/ copied from the repository's source/ (solutions and hidden tests: instructor only;
  the folder is made mode 700);
- COURSE/nbgrader_config.py: the course root, its SQLite gradebook, and autograde in the ipt-sandbox kernel;
- the ipt-sandbox kernelspec in ~/.local/share/jupyter/kernels (student code at autograde runs under bubblewrap,
  with the course folder, the exchange, every home and the repository hidden; README "Grading integrity");
- ~/.jupyter/nbgrader_config.py pointing Formgrader at COURSE, so it works from the hub's Nbgrader menu.

The course id, time limits and feedback settings come from the shared environment's nbgrader_config.py
(hub/nbgrader_config.py, which applies ipt_lib.course.config.configure). For a gradebook in PostgreSQL shared by
several graders, see docs/deployment.md (docs/snippets/nbgrader_config_postgres.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from ipt_lib.course.config import config_file_text
from ipt_lib.course.sandbox import bwrap_path, install_kernelspec, unavailable_message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course", type=Path, help="the course folder to create, e.g. ~/ipt101")
    parser.add_argument("--source", type=Path, action="append", default=[],
                        help="an assignment folder from the repository's source/ (repeatable)")
    parser.add_argument("--hide", type=Path, action="append", default=[],
                        help="another folder student code must not see at autograde (repeatable)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="autograde without bubblewrap (student code then runs as you, beside the keys)")
    args = parser.parse_args(argv)

    course = args.course.expanduser().resolve()
    (course / "source").mkdir(parents=True, exist_ok=True)
    course.chmod(0o700)
    for folder in args.source:
        target = course / "source" / folder.name
        shutil.copytree(folder, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "inventory.json"))
        print(f"copied {folder} -> {target}")

    home = Path.home()
    sandbox_ipc = None
    if not args.no_sandbox:
        if bwrap_path() is None:
            parser.error(unavailable_message())
        exchange = Path(os.environ.get("IPT_NBGRADER_EXCHANGE", "/srv/nbgrader/exchange"))
        hide = [course, exchange, home.parent, *args.hide]
        sandbox_ipc = home / ".ipt-sandbox" / "ipc"
        spec = install_kernelspec(home / ".local" / "share" / "jupyter", hide=hide, ipc=sandbox_ipc)
        print(f"sandbox kernel: {spec} (hides {', '.join(map(str, hide))})")

    db_url = f"sqlite:///{course / 'gradebook.db'}"
    config = course / "nbgrader_config.py"
    config.write_text(config_file_text(sandbox_ipc=str(sandbox_ipc) if sandbox_ipc else None,
                                       CourseDirectory__root=str(course), CourseDirectory__db_url=db_url),
                      encoding="utf-8")
    print(f"wrote {config}")
    user_config = home / ".jupyter" / "nbgrader_config.py"
    user_config.parent.mkdir(parents=True, exist_ok=True)
    user_config.write_text("# Written by hub/new_course.py: Formgrader's course.\n"
                           f"c = get_config()  # noqa: F821\nc.CourseDirectory.root = {str(course)!r}\n",
                           encoding="utf-8")
    print(f"wrote {user_config}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
