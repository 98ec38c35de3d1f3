"""A student opens Assignment 1 in JupyterLab 4 in a real (headless Chromium) browser and works in it; axe-core
finds no critical or serious WCAG 2.1 A/AA violation in the case cards, the area cards or the practice feedback."""

import shutil
from pathlib import Path

import pytest

from a11y import assert_accessible
from lab import browser_page, open_notebook, run_all, running_lab

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("student")
    work = home / "work"
    shutil.copytree(ROOT / "release" / "a1_problem_areas", work / "a1_problem_areas")
    with running_lab(work, home) as (base, token):
        yield {"base": base, "token": token, "home": home}


@pytest.fixture(scope="module")
def lab_page(lab):
    with browser_page() as page:
        open_notebook(page, lab["base"], lab["token"], "a1_problem_areas/problem_areas.ipynb")
        yield page


def _run_all(page, lab) -> None:
    run_all(page)
    try:
        page.wait_for_function(
            "document.querySelectorAll('.jp-Notebook .ipt-card').length >= 12", timeout=90_000)
    finally:
        page.screenshot(path=str(lab["home"] / "after_run_all.png"))
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)


def test_run_all_shows_case_cards_area_cards_and_friendly_checks(lab_page, lab):
    page = lab_page
    _run_all(page, lab)
    assert page.locator(".jp-Notebook .ipt-card").count() == 12          # 4 practice + 8 graded
    assert page.locator(".jp-Notebook .ipt-area").count() == 4
    outputs = page.locator(".jp-Notebook .jp-OutputArea").all_inner_texts()
    text = "\n".join(outputs)
    assert "Loaded 12 cases" in text
    assert text.count("No answer yet") == 8                             # every blank graded answer, in one Run All
    assert "Type your answer between the quotes" in text                # the blank practice checks
    assert "Traceback" not in text and "ipt_lib/" not in text           # no raw tracebacks from ipt_lib
    page.screenshot(path=str(lab["home"] / "run_all.png"), full_page=False)
    assert_accessible(page, [".jp-Notebook .ipt-card", ".jp-Notebook .ipt-area"],
                      "Assignment 1's case cards (cases.card) and problem-area cards")


def test_the_rubric_keeps_its_cell_padding_through_jupyterlab_s_sanitiser(lab_page, lab):
    cells = lab_page.locator(".jp-MarkdownCell", has_text="the grader sees this same rubric").first.locator("td")
    assert cells.count() == 8
    padding = cells.first.evaluate("td => parseFloat(getComputedStyle(td).paddingLeft)")
    assert "padding" in (cells.first.get_attribute("style") or "") and padding >= 10


def test_student_types_an_answer_and_the_check_reads_it(lab_page, lab):
    page = lab_page
    answer = page.locator(".jp-CodeCell", has_text="case_1 = (").first
    answer.scroll_into_view_if_needed()
    editor = answer.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type('case_1 = "Role disputes"')
    page.keyboard.press("Shift+Enter")       # runs the answer cell, moves to the check cell
    page.keyboard.press("Shift+Enter")       # runs the check cell
    check = page.locator(".jp-CodeCell", has_text='check_answer_format("case_1")').first
    check.locator(".jp-OutputArea-output").filter(has_text="reads as 'role dispute'").wait_for(timeout=30_000)
    assert "Format check only" in check.inner_text()


def test_practice_check_gives_immediate_feedback(lab_page, lab):
    page = lab_page
    cell = page.locator(".jp-CodeCell", has_text='cases.check("P1"').first
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type('cases.check("P1", "grieve")')
    page.keyboard.press("Shift+Enter")
    cell.locator(".ipt-feedback").filter(has_text="Did you mean 'grief'").wait_for(timeout=30_000)
    page.screenshot(path=str(lab["home"] / "practice.png"))
    assert_accessible(page, [".jp-Notebook .ipt-feedback"], "the practice check's feedback")
