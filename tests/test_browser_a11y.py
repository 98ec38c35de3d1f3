"""axe-core (WCAG 2.1 A/AA) in headless Chromium on what the other browser tests do not open: the instructor's
item-analysis report (a file, no JupyterLab) and the training-pathway widget with its lesson (one JupyterLab).
First, that the check itself finds what it should, so a clean result means something."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from a11y import assert_accessible, axe, blocking, lab_chrome_report, OURS
from lab import browser_page, lesson_in_lab, notebook_state, tab_to, wait_idle

ROOT = Path(__file__).resolve().parents[1]
LESSON = "05_training_pathway.ipynb"
pytestmark = pytest.mark.slow

PROBE = """<!DOCTYPE html><html lang="en"><head><title>probe</title></head><body><main>
<div class="ipt-probe"><p style="color:#bbb;background:#fff">faint text</p><img src="data:image/png;base64,iVBORw0KGgo=">
<input type="text"></div><div class="elsewhere"><img src="data:image/png;base64,iVBORw0KGgo="></div></main></body></html>"""


def test_the_axe_check_finds_faint_text_a_picture_without_alt_and_an_unlabelled_field(tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(PROBE, encoding="utf-8")
    with browser_page() as page:
        page.goto(probe.as_uri())
        found = axe(page, [".ipt-probe"])
        assert {"color-contrast", "image-alt", "label"} <= {v["id"] for v in found}
        assert all(".elsewhere" not in str(n["target"]) for v in found for n in v["nodes"])  # the scope holds
        assert blocking(found)
        with pytest.raises(AssertionError, match="image-alt"):
            assert_accessible(page, [".ipt-probe"], "the probe")


def test_the_item_analysis_report_has_no_critical_or_serious_violation(tmp_path):
    from test_reports import A, a1_course

    from ipt_lib.course.reports import write_reports

    html_path, _ = write_reports(a1_course(tmp_path), tmp_path / "reports", [A])
    with browser_page() as page:
        page.goto(html_path.as_uri())
        page.locator("img[alt]").first.wait_for()
        assert_accessible(page, ["html"], f"the item-analysis report {html_path.name}")
        page.screenshot(path=str(tmp_path / "item_analysis_report.png"), full_page=True)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(tmp_path / "item_analysis_report.png", artifacts / "item_analysis_report.png")


def test_the_pathway_widget_and_its_lesson_have_no_critical_or_serious_violation(tmp_path):
    with lesson_in_lab(tmp_path, LESSON) as (page, work, shots, base, token):
        widget = page.locator(".ipt-pathway")
        try:
            widget.locator(".ipt-path-figure img[alt^='Progress figure']").wait_for(timeout=90_000)
        finally:
            page.screenshot(path=str(shots / "pathway_after_run_all.png"))
        wait_idle(page)
        assert_accessible(page, [".ipt-pathway"], "the training-pathway widget")
        assert_accessible(page, OURS, f"the rendered lesson {LESSON} (Markdown and outputs)")
        lab_chrome_report(page, LESSON)

        # Keyboard only: from Reload, Tab to "Add a log entry", Enter opens the form with focus on its first field,
        # then an entry is typed and added; none of it reaches Lab's shortcuts.
        widget.locator("button.ipt-path-reload").focus()              # where a keyboard user arrives
        before = notebook_state(page)
        assert tab_to(page, "e => !!e.closest('.ipt-path-open-form')", most=3) == 1
        page.keyboard.press("Enter")
        expect(widget.locator(".ipt-path-add")).to_be_visible(timeout=30_000)
        expect(widget.locator(".widget-text input").first).to_be_focused(timeout=30_000)   # the date
        tab_to(page, "e => e.placeholder === 'hours, or a count'")  # Amount (the kind stays 'training')
        page.keyboard.type("2")
        tab_to(page, "e => !!e.closest('.ipt-path-add')")
        page.keyboard.press("Enter")
        widget.locator(".ipt-path-message").filter(has_text="Added a training entry").wait_for(timeout=30_000)
        assert notebook_state(page) == before
        assert_accessible(page, [".ipt-pathway"], "the training-pathway widget with its entry form open")

        # the figures at the default width, as shown
        lesson_figure = page.locator(".jp-OutputArea-output > div > img[alt^='Progress figure'], "
                                     ".jp-OutputArea-output img[alt^='Progress figure']").first
        lesson_figure.screenshot(path=str(shots / "figure_lesson_progress.png"))
        widget.locator(".ipt-path-figure img").screenshot(path=str(shots / "figure_pathway_widget.png"))
        shown = widget.locator(".ipt-path-figure img").evaluate(
            "i => [i.getBoundingClientRect().width, i.naturalWidth]")
        assert shown[0] == shown[1], f"the figure is shown at {shown[0]} px, drawn at {shown[1]} px"
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    for shot in shots.iterdir():
        shutil.copy(shot, artifacts / shot.name)
