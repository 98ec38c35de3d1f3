"""The cells every assignment builder writes: Markdown and code cells with nbgrader metadata, the keyed test cell,
the notebook, and the prose read from data/assignments/<assignment>/.

>>> md("intro", "# Hello").source
'# Hello'
>>> code("answer", "x = ...", solution=True).metadata["nbgrader"]["solution"]
True
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def repo_root() -> Path:
    """The checkout the builders read data/ from and write source/ into (they are not run from a wheel)."""
    return Path(__file__).resolve().parents[2]


def assignment_data(root: Path, assignment: str) -> Path:
    """data/assignments/<assignment>/: the assignment's prose (one Markdown file per block) and its key files."""
    return root / "data" / "assignments" / assignment


def prose(root: Path, assignment: str, block: str, **values: object) -> str:
    """The Markdown of one block (``<block>.md``), with ``{name}`` placeholders filled from ``values``.

    Only blocks given ``values`` are formatted, so a block with no computed value may hold braces freely."""
    path = assignment_data(root, assignment) / f"{block}.md"
    text = path.read_text(encoding="utf-8")
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        names = ", ".join("{" + name + "}" for name in values)
        raise ValueError(f"{path}: a name in braces that the builder cannot fill in ({exc}). This block can use "
                         f"{names}; write a brace meant as text as {{{{ or }}}}.") from None


def nbgrader_meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
                  points: float | None = None, task: bool = False) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": task}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def md(cell_id: str, text: str, **nb) -> nbformat.NotebookNode:
    """A Markdown cell; nbgrader metadata (``grade``, ``solution``, ``locked``, ``points``) only if any is given."""
    cell = new_markdown_cell(text.strip("\n"), id=cell_id)
    if nb:
        cell.metadata.update(nbgrader_meta(cell_id, **nb))
    return cell


def code(cell_id: str, text: str, **nb) -> nbformat.NotebookNode:
    """A code cell; nbgrader metadata only if any is given."""
    cell = new_code_cell(text.strip("\n"), id=cell_id)
    if nb:
        cell.metadata.update(nbgrader_meta(cell_id, **nb))
    return cell


def keyed_test(cell_id: str, doc: str, check: str, check_args: str, key: str, key_args: str,
               points: float = 1) -> nbformat.NotebookNode:
    """A locked test cell: a visible format check, then the hidden keyed check the grader re-does outside the
    kernel. Tagged so that a failing check lets "Run All" go on to the next item."""
    cell = code(
        cell_id,
        f'"""{doc}"""\n'
        f"from ipt_lib.grading import {check}\n"
        f"{check}({check_args})\n"
        f"### BEGIN HIDDEN TESTS\n"
        f"from ipt_lib.grading import {key}\n"
        f"{key}({key_args})\n"
        f"### END HIDDEN TESTS",
        grade=True, locked=True, points=points,
    )
    cell.metadata["tags"] = ["raises-exception"]
    return cell


def notebook(cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata.update({
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    return nb
