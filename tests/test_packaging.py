"""The wheel holds every package of ipt_lib and the files the code reads at run time (pyproject lists them by hand)."""

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


def test_every_package_of_ipt_lib_is_in_the_wheel():
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "ipt_lib").rglob("__init__.py")
             if "__pycache__" not in p.parts}
    missing = sorted(found - set(SETUPTOOLS["packages"]))
    assert not missing, f"not listed in pyproject's [tool.setuptools] packages: {missing}"


def test_the_report_template_is_package_data():
    from ipt_lib.course.reports.page import TEMPLATES

    patterns = SETUPTOOLS["package-data"]["ipt_lib.course.reports"]
    templates = [p.relative_to(TEMPLATES.parent).as_posix() for p in TEMPLATES.iterdir()]
    assert templates and all(any(fnmatch(t, pattern) for pattern in patterns) for t in templates)
