"""Where a course's gradebook is: the URL nbgrader itself would use for that course folder.

Every course command (report, lms, the grading cycle) opens the gradebook through this, so a course whose
``nbgrader_config.py`` sets ``CourseDirectory.db_url`` (a PostgreSQL server, or SQLite somewhere else) is read
where nbgrader writes it, not from a guessed ``<course>/gradebook.db``.
"""

from __future__ import annotations

import os
from pathlib import Path


def _config_for(course_dir: Path):
    """nbgrader's configuration for ``course_dir``: the Jupyter config path, then the course's own file."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    # nbgrader reads nbgrader_config.py from each Jupyter config folder (lowest priority last in the list),
    # then from the folder it runs in.
    folders = [*reversed(jupyter_config_path()), str(course_dir)]
    for folder in dict.fromkeys(folders):
        path = Path(folder) / "nbgrader_config.py"
        if path.is_file():
            config.merge(PyFileConfigLoader(path.name, str(path.parent)).load_config())
    return config


def gradebook_url(course_dir: Path | str) -> str:
    """The gradebook URL nbgrader uses when run in ``course_dir`` (a relative SQLite path is taken from there)."""
    from nbgrader.coursedir import CourseDirectory

    course_dir = Path(course_dir).resolve()
    if not course_dir.is_dir():
        raise FileNotFoundError(f"No gradebook: the course folder {course_dir} does not exist.")
    here = os.getcwd()
    try:  # nbgrader's defaults (root, and the db_url made from it) come from the folder it runs in
        os.chdir(course_dir)
        coursedir = CourseDirectory(config=_config_for(course_dir))
        url = coursedir.db_url
        root = Path(coursedir.root)
    finally:
        os.chdir(here)
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        url = prefix + str((root if root.is_absolute() else course_dir / root) / url[len(prefix):])
    return url


def open_gradebook(course_dir: Path | str):
    """nbgrader's ``Gradebook`` for ``course_dir``; a missing SQLite file is a clear error, not a new empty one."""
    from nbgrader.api import Gradebook

    url = gradebook_url(course_dir)
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:" and not Path(url[len(prefix):]).exists():
        raise FileNotFoundError(
            f"No gradebook at {url[len(prefix):]} (the gradebook nbgrader uses for {course_dir}). Run the grading "
            "cycle (nbgrader autograde) first, or give the course folder whose nbgrader_config.py names it.")
    return Gradebook(url)


def describe(url: str) -> str:
    """The URL without a password, for messages."""
    import re

    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)
