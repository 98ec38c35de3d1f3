"""A student who forgets the quotes is told to add them, in the check cell, in a real kernel."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

CHECK = 'from ipt_lib.grading import check_answer_format\ncheck_answer_format("case_1")'


def _run(answer_source: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(answer_source), nbformat.v4.new_code_cell(CHECK)]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    outputs = nb.cells[1].outputs
    return " ".join(o.get("evalue", "") + o.get("text", "") for o in outputs)


@pytest.mark.parametrize("answer", ["case_1 = (\n    role dispute\n)", "case_1 = role dispute"])
def test_words_without_quotes_that_are_not_python_get_the_quotes_hint(answer):
    message = _run(answer)
    assert "not valid Python" in message and "quotes" in message and "case_1 = \"your answer\"" in message, message


def test_one_word_without_quotes_gets_the_quotes_hint():
    message = _run("case_1 = grief")
    assert "without quotes (grief)" in message, message


def test_blank_answer_still_says_no_answer_yet_and_a_quoted_one_reads():
    assert "No answer yet" in _run("case_1 = (\n    # YOUR ANSWER HERE\n    ...\n)")
    assert "reads as 'grief'" in _run('case_1 = "Grief"')


def _run_name(inventory_people: list[str], answer: str, tmp_path) -> str:
    from ipt_lib.inventory import Inventory

    inv = Inventory("Sanne")
    for person in inventory_people:
        inv.add(name=person, relationship="someone", ring="inner")
    inv.save(tmp_path / "inventory.json")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"tied_person = {answer!r}"), nbformat.v4.new_code_cell(
        'from ipt_lib.grading import check_name_format\ncheck_name_format("tied_person", inventory="inventory.json")')]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return " ".join(o.get("evalue", "") + o.get("text", "") for o in nb.cells[1].outputs)


def test_a_misspelt_name_is_compared_with_the_students_own_inventory(tmp_path):
    message = _run_name(["Lotte", "Mees"], "Lote", tmp_path)
    assert "Did you mean 'Lotte'?" in message, message


def test_a_name_from_the_inventory_reads_without_a_warning(tmp_path):
    message = _run_name(["Lotte", "Mees"], "lotte", tmp_path)
    assert "reads as 'lotte'" in message and "Did you mean" not in message and "Note:" not in message, message
