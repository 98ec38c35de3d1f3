"""A rubric as an HTML table with room between its columns, for an assignment's Markdown cell.

Formgrader and nbgrader's feedback page draw Markdown tables with no cell padding at all, so the columns of a
rubric run together. An HTML table with the padding in each cell's own ``style`` reads the same in JupyterLab
(whose sanitiser keeps ``padding``, ``text-align``, ``vertical-align`` and ``border`` styles), in Formgrader and
in the feedback page (which pass a Markdown cell's HTML through as it is).
"""

from __future__ import annotations

import html

__all__ = ["markdown_rubric", "rubric_table"]

_CELL = "padding:6px 14px;text-align:left;vertical-align:top;border-bottom:1px solid #bbb"
_HEAD = "padding:6px 14px;text-align:left;vertical-align:bottom;border-bottom:2px solid #555"


def rubric_table(header: tuple[str, str], rows: list[tuple[str, str]]) -> str:
    """``rows`` of (points, what the answer does) under ``header``, as one HTML block (blank lines around it).

    >>> "<td style=" in rubric_table(("Points", "The answer ..."), [("1", "names an area")])
    True
    """
    e = html.escape
    head = "".join(f'<th scope="col" style="{_HEAD}">{e(h)}</th>' for h in header)
    body = "\n".join("<tr>" + "".join(f'<td style="{_CELL}">{e(c)}</td>' for c in row) + "</tr>" for row in rows)
    return (f'\n<table style="border-collapse:collapse;margin:.5em 0">\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody>\n</table>\n")


def markdown_rubric(text: str) -> str:
    r"""A rubric written as a two-column Markdown table (header, separator, one row per element) as ``rubric_table``
    draws it, so an instructor edits a plain table and every page gets the padded one.

    >>> "names an area" in markdown_rubric("| Points | The answer ... |\n|---|---|\n| 1 | names an area |\n")
    True
    """
    rows = [tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
            for line in text.splitlines() if line.strip().startswith("|")]
    if len(rows) < 3 or any(len(row) != 2 for row in rows):
        raise ValueError("a rubric is a Markdown table of two columns (points, what the answer does): a header "
                         f"row, a separator row and one row per element; got:\n{text}")
    return rubric_table(rows[0], rows[2:])
