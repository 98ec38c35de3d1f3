"""A student works through the inventory lesson in JupyterLab 4 in headless Chromium: the widget's state
survives a kernel restart and a page reload."""

import json
import shutil
from pathlib import Path

import pytest

from lab import browser_page, open_notebook, run_all, running_lab, wait_idle

ROOT = Path(__file__).resolve().parents[1]
LESSON = "02_interpersonal_inventory.ipynb"
pytestmark = pytest.mark.slow


def _add(page, name: str, relationship: str, ring: str) -> None:
    page.locator(".ipt-inv-name input").fill(name)
    page.locator(".ipt-inv-relationship input").fill(relationship)
    page.locator(".ipt-inv-ring select").select_option(ring)
    page.locator("button.ipt-inv-add").click()
    page.locator(".ipt-inv-table").filter(has_text=name).wait_for(timeout=30_000)


def test_widget_state_survives_restart_and_reload(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / LESSON, work / LESSON)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with running_lab(work, tmp_path) as (base, token), browser_page() as page:
        open_notebook(page, base, token, LESSON)
        run_all(page)
        try:
            page.locator(".ipt-inventory").wait_for(timeout=90_000)
        finally:
            page.screenshot(path=str(shots / "after_run_all.png"))
        wait_idle(page)
        assert page.locator(".jp-Notebook img[src^='data:image/png']").count() >= 2   # circle + timeline drawn
        assert "Nobody entered yet" in page.locator(".ipt-inv-table").inner_text()
        before = page.locator(".ipt-inv-circle img").get_attribute("src")

        _add(page, "Ama", "older sister", "inner")
        _add(page, "Kofi", "manager", "outer")
        table = page.locator(".ipt-inv-table").inner_text()
        assert "Ama" in table and "Kofi" in table and "2 people: 1 inner, 0 middle, 1 outer" in table
        assert page.locator(".ipt-inv-circle img").get_attribute("src") != before       # the circle redrew
        # ... and says it in words: wait for the redraw that holds Kofi, then read it
        page.locator(".ipt-inv-circle img[alt*='outer ring: Kofi (manager)']").wait_for(timeout=30_000)
        alt = page.locator(".ipt-inv-circle img").get_attribute("alt")
        assert "inner ring: Ama (older sister)" in alt, alt
        page.locator(".ipt-inv-add").click()                                        # empty form: inline message
        page.locator(".ipt-inv-message").filter(has_text="Give the person").wait_for()
        page.screenshot(path=str(shots / "inventory_two_people.png"), full_page=False)
        saved = json.loads((work / "my_practice_inventory.json").read_text())
        assert [p["name"] for p in saved["people"]] == ["Ama", "Kofi"]

        # Keys typed into the widget stay there: "m" in the ring dropdown picks "middle" and does not turn the cell
        # into Markdown; ArrowDown does not move to the next cell.
        cells_before = page.locator(".jp-Notebook .jp-MarkdownCell").count()
        page.locator(".ipt-inv-ring select").focus()
        page.keyboard.press("m")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowUp")
        assert page.locator(".ipt-inv-ring select").input_value() == "middle"
        assert page.locator(".jp-Notebook .jp-MarkdownCell").count() == cells_before
        assert page.locator(".ipt-inventory").is_visible()
        page.locator(".ipt-inv-ring select").select_option("inner")

        # Move Kofi from the outer to the middle ring with the widget's own controls: choose, change, save.
        page.locator(".ipt-inv-chooser select").select_option("Kofi")
        page.locator(".ipt-inv-message").filter(has_text="Editing Kofi").wait_for(timeout=30_000)
        page.locator(".ipt-inv-ring select").select_option("middle")
        page.locator("button.ipt-inv-add").click()
        page.locator(".ipt-inv-message").filter(has_text="Saved the changes to Kofi").wait_for(timeout=30_000)
        page.locator(".ipt-inv-table").filter(has_text="2 people: 1 inner, 1 middle, 0 outer").wait_for(timeout=30_000)
        saved = json.loads((work / "my_practice_inventory.json").read_text())
        assert {p["name"]: p["ring"] for p in saved["people"]} == {"Ama": "inner", "Kofi": "middle"}

        page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel…").first.click()
        page.locator(".jp-Dialog button.jp-mod-accept").click()
        wait_idle(page)
        page.reload()
        open_notebook(page, base, token, LESSON)
        run_all(page)
        page.locator(".ipt-inv-table").filter(has_text="Kofi").wait_for(timeout=90_000)
        table = page.locator(".ipt-inv-table").inner_text()
        assert "Ama" in table and "Kofi" in table
        page.screenshot(path=str(shots / "inventory_after_reload.png"), full_page=False)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    for shot in shots.iterdir():
        shutil.copy(shot, artifacts / shot.name)
