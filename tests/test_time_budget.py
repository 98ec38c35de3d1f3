"""A notebook whose cells together run too long is stopped, and the cells left are graded as failed."""

from __future__ import annotations

import nbformat
import pytest

pytestmark = pytest.mark.slow


def test_cells_past_the_notebooks_time_budget_are_not_run():
    from ipt_lib.course.preprocessors import RobustExecute

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import time; time.sleep(1.5); print('one')"),
                nbformat.v4.new_code_cell("time.sleep(1.5); print('two')"),
                nbformat.v4.new_code_cell("print('three')")]
    execute = RobustExecute(notebook_timeout=2, timeout=30, kernel_name="python3")
    nb, _ = execute.preprocess(nb, {"metadata": {"path": "."}})
    assert nb.cells[0].outputs[0]["text"] == "one\n" and nb.cells[1].outputs[0]["text"] == "two\n"
    assert nb.cells[2].outputs[0]["output_type"] == "error"
    assert "used up its 2 s" in nb.cells[2].outputs[0]["evalue"]
