"""What the warm kernels' fork server imports for an assignment (forkserver.preload_for): the modules the
instructor's notebooks import, read with ``ast`` (never run), with what a kernel then imports for each library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ipt_lib.course import forkserver, sandbox


def _notebook(path: Path, *sources: str) -> Path:
    cells = [{"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}
             for source in sources]
    cells.append({"cell_type": "markdown", "source": "import not_code", "metadata": {}})
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_the_server_imports_what_the_notebooks_import(tmp_path):
    nb = _notebook(tmp_path / "a.ipynb",
                   "%matplotlib inline\nimport pandas as pd\nimport matplotlib.pyplot as plt",
                   "!echo shell escapes are not Python\nfrom ipt_lib.grading import assert_area",
                   "import ipt_lib\ncases = ipt_lib.load_deck('cases.json')\ndf = pd.read_csv('x.csv')",
                   "def broken(:\n    import never_seen",  # not Python: left out
                   "from . import relative  # not a module name the server could import",
                   "import matplotlib_inline  # must be imported in the kernel: it hooks into the kernel's shell")
    chosen = forkserver.preload_for([nb])
    assert chosen[:len(forkserver.KERNEL_PRELOAD)] == forkserver.KERNEL_PRELOAD
    extra = chosen[len(forkserver.KERNEL_PRELOAD):]
    for name in ("pandas", "matplotlib.pyplot", "ipt_lib.grading", "ipt_lib.grading.assert_area",
                 "ipt_lib.load_deck", "pandas.read_csv", *forkserver.COMPANIONS["matplotlib"],
                 *forkserver.COMPANIONS["pandas"]):
        assert name in extra, name
    assert not any(name.startswith("matplotlib_inline") for name in chosen)
    assert "never_seen" not in chosen and "not_code" not in chosen and "relative" not in chosen
    assert len(chosen) == len(set(chosen))


def test_without_readable_notebooks_the_server_imports_everything(tmp_path):
    assert forkserver.preload_for([]) is None
    assert forkserver.preload_for([tmp_path / "missing.ipynb"]) is None
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert forkserver.preload_for([tmp_path / "bad.ipynb"]) is None


def test_the_course_s_assignments_preload_only_what_they_use():
    root = Path(__file__).resolve().parents[1]
    a1 = forkserver.preload_for(sorted((root / "source" / "a1_problem_areas").glob("*.ipynb")))
    a3 = forkserver.preload_for(sorted((root / "source" / "a3_caseload").glob("*.ipynb")))
    assert "pandas" not in a1 and "matplotlib.pyplot" not in a1 and "ipt_lib.grading" in a1
    assert "pandas" in a3 and "matplotlib.pyplot" in a3


@pytest.mark.skipif(sandbox.bwrap_path() is None, reason="the command is built around bubblewrap")
def test_the_server_command_carries_the_names(tmp_path):
    cmd = forkserver.server_command(str(tmp_path / "s.sock"), autograded=str(tmp_path / "autograded"),
                                    ipc=str(tmp_path / "ipc"), hide=[], show=[],
                                    preload=("pandas", "ipt_lib.grading", "bad name; rm -rf /"))
    assert cmd[-4:] == ["serve", "--preload", "pandas,ipt_lib.grading", str(tmp_path / "s.sock")]
