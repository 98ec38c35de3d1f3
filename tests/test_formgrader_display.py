"""What the instructor sees in Formgrader and the student in the feedback page: wrong-answer messages as lines
of text (not one line that scrolls sideways), and the rubric as a table with room between its columns. Rendered
with nbgrader's own feedback template, the classic nbconvert page both views are built on."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ipt_lib.course.preprocessors import _error
from ipt_lib.course.wraplines import WIDTH, WrapLongLines, wrap_lines

ROOT = Path(__file__).resolve().parents[1]
LONG = ("Case 3: 'grief' is not the answer the course team chose. Compare the cues with the definitions "
        "(Weissman et al., 2018; ISIPT, n.d.-b) and the timing of onset (Focus review, 2006; Markowitz, 2016).")


def _graded_notebook():
    cell = new_code_cell("assert_area('case_3', ...)")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "case_3_test", "points": 1, "solution": False,
                                 "locked": True, "schema_version": 3, "score": 0}
    cell.outputs = [_error(LONG),
                    new_output("stream", name="stdout", text="response_rate: " + "close, but " * 20 + "\n"),
                    new_output("execute_result", data={"text/plain": "0.5"}, execution_count=None)]
    return new_notebook(cells=[cell])


def _feedback_html(nb) -> str:
    import nbgrader.server_extensions.formgrader as formgrader
    from nbconvert import HTMLExporter

    here = Path(formgrader.__file__).parent  # as nbgrader's GenerateFeedback sets it up
    exporter = HTMLExporter(template_name="feedback", extra_template_basedirs=[str(here / "templates")],
                            extra_template_paths=[str(here / "static" / "node_modules" / "bootstrap" / "dist" / "css")])
    body, _ = exporter.from_notebook_node(nb, resources={"nbgrader": {"notebook": "nb", "assignment": "a",
                                                                      "student": "s", "score": 0, "max_score": 1,
                                                                      "late_penalty": 0}})
    return body


def _pre_lines(page: str) -> list[str]:
    return [line for block in re.findall(r"<pre[^>]*>(.*?)</pre>", page, re.S)
            for line in html.unescape(re.sub(r"<[^>]+>", "", block)).splitlines()]


def test_wrapping_keeps_every_word_and_breaks_only_long_lines():
    text = "short line\n" + LONG
    wrapped = wrap_lines(text)
    assert all(len(line) <= WIDTH for line in wrapped.splitlines())
    assert wrapped.split() == text.split() and wrapped.startswith("short line\n")
    assert wrapped.splitlines()[2].startswith("  ")          # a continued line is indented
    assert wrap_lines("a" * 120) == "a" * 120                # a word is never cut


def test_wrong_answer_messages_are_lines_of_text_in_the_graded_page():
    nb = _graded_notebook()
    before = max(len(line) for line in _pre_lines(_feedback_html(nb)))
    WrapLongLines().preprocess(nb, {})
    lines = _pre_lines(_feedback_html(nb))
    assert before > WIDTH and lines
    assert max(len(line) for line in lines) <= WIDTH, max(lines, key=len)
    assert nb.cells[0].outputs[2]["data"]["text/plain"] == "0.5"  # the partial score is left alone
    assert "Compare the cues with the definitions" in " ".join(" ".join(lines).split())


def test_messages_are_wrapped_last_in_autograde_and_in_feedback():
    from traitlets.config import Config

    from ipt_lib.course.config import configure

    c = Config()
    configure(c)
    assert c.Autograde.autograde_preprocessors[-1] is WrapLongLines
    feedback = c.GenerateFeedback.preprocessors
    assert WrapLongLines in feedback and feedback.index(WrapLongLines) > [p.__name__ for p in feedback].index(
        "RedactTestTracebacks")


def test_the_rubric_is_a_table_with_padded_cells_in_the_graded_page():
    for folder in ("source", "release"):
        nb = nbformat.read(ROOT / folder / "a1_problem_areas" / "problem_areas.ipynb", as_version=4)
        rubric = next(c for c in nb.cells if c.cell_type == "markdown" and "**Rubric**" in c.source)
        assert "|---|" not in rubric.source                    # not a Markdown table (drawn with no padding)
        page = _feedback_html(new_notebook(cells=[new_markdown_cell(rubric.source)]))
        cells = re.findall(r"<t[dh](?:\s[^>]*)?>", page)
        assert len(cells) == 2 * 5, folder                      # header and four elements, two columns
        assert all("padding:" in cell for cell in cells)
        assert re.search(r'<th scope="col"', page)
