"""Set up an instructor's nbgrader course folder on the hub (run as the instructor, in a hub terminal).

    python hub/new_course.py ~/ipt101 --source /path/to/ipt-workbook/source/a1_problem_areas [--source ...]

What it makes:
- COURSE/source/<assignment>/ copied from the repository's source/ (solutions and hidden tests: instructor only;
  the folder is made mode 700);
- COURSE/nbgrader_config.py: the course root, its SQLite gradebook, and autograde in the ipt-sandbox kernel;
- the ipt-sandbox kernelspec in ~/.local/share/jupyter/kernels (student code at autograde runs under bubblewrap,
  with the course folder, the exchange, every home and the repository hidden; README "Grading integrity");
- ~/.jupyter/nbgrader_config.py pointing Formgrader at COURSE, so it works from the hub's Nbgrader menu;
- with the hub's ngshare exchange (IPT_HUB_EXCHANGE=ngshare): the course in ngshare, with the roster's instructors
  and students (--roster, the hub's roster file), and the ngshare exchange in COURSE/nbgrader_config.py.

The course id, time limits and feedback settings come from the shared environment's nbgrader_config.py
(hub/nbgrader_config.py, which applies ipt_lib.course.config.configure). For a gradebook in PostgreSQL shared by
several graders, see docs/deployment.md (docs/snippets/nbgrader_config_postgres.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from ipt_lib.course.config import COURSE_ID, config_file_text
from ipt_lib.course.sandbox import bwrap_path, install_kernelspec, unavailable_message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course", type=Path, help="the course folder to create, e.g. ~/ipt101")
    parser.add_argument("--source", type=Path, action="append", default=[],
                        help="an assignment folder from the repository's source/ (repeatable)")
    parser.add_argument("--hide", type=Path, action="append", default=[],
                        help="another folder student code must not see at autograde (repeatable)")
    parser.add_argument("--roster", type=Path,
                        help="ngshare exchange only: the hub's roster ('user instructor|student' lines); its people "
                             "are added to the course in ngshare (again on a later run: new students are added)")
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
    text = config_file_text(sandbox_ipc=str(sandbox_ipc) if sandbox_ipc else None,
                            CourseDirectory__root=str(course), CourseDirectory__db_url=db_url)
    ngshare = os.environ.get("IPT_HUB_EXCHANGE") == "ngshare"
    if ngshare:
        # configure() above sets the folder exchange's submit and collect; this file is read after the shared
        # environment's nbgrader_config.py, so the ngshare exchange is set again here.
        text += NGSHARE_CONFIG
    config.write_text(text, encoding="utf-8")
    print(f"wrote {config}")
    user_config = home / ".jupyter" / "nbgrader_config.py"
    user_config.parent.mkdir(parents=True, exist_ok=True)
    user_config.write_text("# Written by hub/new_course.py: Formgrader's course.\n"
                           f"c = get_config()  # noqa: F821\nc.CourseDirectory.root = {str(course)!r}\n",
                           encoding="utf-8")
    print(f"wrote {user_config}")
    if ngshare:
        if args.roster is None:
            parser.error("the hub's exchange is ngshare: give --roster (the hub's roster file) to add the course's "
                         "people to ngshare")
        ngshare_course(os.environ["IPT_NGSHARE_URL"], COURSE_ID, args.roster)
    return 0


NGSHARE_CONFIG = """
# The hub's exchange is ngshare (IPT_HUB_EXCHANGE=ngshare; written by hub/new_course.py).
import os

os.environ.setdefault("USER", os.environ.get("JUPYTERHUB_USER") or __import__("getpass").getuser())
from ngshare_exchange import configureExchange  # noqa: E402 (it reads $JUPYTERHUB_USER or $USER at import)

configureExchange(c, os.environ["IPT_NGSHARE_URL"])
"""


def ngshare_course(url: str, course_id: str, roster: Path) -> None:
    """Create ``course_id`` in ngshare (an ngshare admin: the hub makes the roster's instructors its admins) with
    the roster's instructors, and add (or update) every student of the roster, over ngshare's REST API with this
    user's hub token. Safe to run again."""
    import json

    import requests

    people = {"instructor": [], "student": []}
    for line in roster.read_text(encoding="utf-8").splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) == 2 and parts[1] in people:
            people[parts[1]].append(parts[0])
    session = requests.Session()
    session.headers["Authorization"] = f"token {os.environ['JUPYTERHUB_API_TOKEN']}"

    def call(method: str, path: str, data: dict, ok=()):
        reply = session.request(method, f"{url.rstrip('/')}/{path}", data=data, timeout=60)
        try:
            body = reply.json()
        except ValueError:
            body = {"message": reply.text[:200]}
        if not body.get("success") and body.get("message") not in ok:
            raise SystemExit(f"ngshare: {method} {path}: HTTP {reply.status_code}: {body.get('message')}")
        return body

    created = call("POST", f"course/{course_id}", {"instructors": json.dumps(people["instructor"])},
                   ok=("Course already exists",))
    print(f"ngshare: course {course_id} {'created' if created.get('success') else 'already exists'}")
    for instructor in people["instructor"]:
        call("POST", f"instructor/{course_id}/{instructor}", {"first_name": "", "last_name": "", "email": ""})
    for student in people["student"]:
        call("POST", f"student/{course_id}/{student}", {"first_name": "", "last_name": "", "email": ""})
    print(f"ngshare: {len(people['instructor'])} instructor(s) and {len(people['student'])} student(s) in "
          f"{course_id}")


if __name__ == "__main__":
    raise SystemExit(main())
