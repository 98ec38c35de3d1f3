"""A student works through the inventory lesson in JupyterLab 4 in headless Chromium: the widget's state
survives a kernel restart and a page reload; the widget works by keyboard alone without setting off JupyterLab's
shortcuts; axe-core finds no critical or serious WCAG 2.1 A/AA violation in the widget or in the rendered lesson;
the figures are saved as shown at the default width (test-artifacts/)."""

import json
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from a11y import assert_accessible, lab_chrome_report, OURS
from lab import focused, lesson_in_lab, notebook_state, open_notebook, run_all, tab_to, wait_idle

ROOT = Path(__file__).resolve().parents[1]
LESSON = "02_interpersonal_inventory.ipynb"
pytestmark = pytest.mark.slow


def _add(page, name: str, relationship: str, ring: str) -> None:
    page.locator(".ipt-inv-name input").fill(name)
    page.locator(".ipt-inv-relationship input").fill(relationship)
    page.locator(".ipt-inv-ring select").select_option(ring)
    page.locator("button.ipt-inv-add").click()
    page.locator(".ipt-inv-table").filter(has_text=name).wait_for(timeout=30_000)


def _in(cls: str) -> str:
    """A focus predicate: the focused element is (inside) the widget part with CSS class ``cls``."""
    return f"e => !!e.closest('.{cls}')"


def _keyboard_walk(page, work: Path) -> None:
    """Add, edit (through the chooser), remove and undo with Tab, typing, Enter, Space and arrows only."""
    inventory = page.locator(".ipt-inventory")
    message = page.locator(".ipt-inv-message")
    page.locator(".ipt-inv-name input").focus()      # where a keyboard user arrives; from here on, keys only
    before = notebook_state(page)

    page.keyboard.type("Efua")
    tab_to(page, _in("ipt-inv-relationship"))
    page.keyboard.type("aunt")
    tab_to(page, _in("ipt-inv-ring"))
    page.keyboard.press("i")                         # type-ahead in the dropdown: inner
    tab_to(page, "e => e.type === 'checkbox' && e.closest('.widget-checkbox').textContent.includes('Supportive')")
    page.keyboard.press("Space")
    tab_to(page, _in("ipt-inv-add"))
    page.keyboard.press("Enter")
    message.filter(has_text="Added Efua").wait_for(timeout=30_000)
    expect(page.locator(".ipt-inv-name input")).to_be_focused(timeout=30_000)   # ready for the next person
    saved = {p["name"]: p for p in json.loads((work / "my_practice_inventory.json").read_text())["people"]}
    assert saved["Efua"]["ring"] == "inner" and saved["Efua"]["supportive"] is True

    # Edit: choose her in the chooser (type-ahead), go back up to the ring, change it, save.
    tab_to(page, _in("ipt-inv-chooser"))
    page.keyboard.press("e")
    message.filter(has_text="Editing Efua").wait_for(timeout=30_000)
    assert focused(page, _in("ipt-inv-chooser"))     # focus stays, so arrows can go on through the names
    tab_to(page, _in("ipt-inv-ring"), shift=True)
    page.keyboard.press("ArrowDown")                 # inner -> middle
    expect(page.locator(".ipt-inv-ring select")).to_have_value("middle")
    tab_to(page, _in("ipt-inv-add"))
    page.keyboard.press("Enter")
    message.filter(has_text="Saved the changes to Efua").wait_for(timeout=30_000)
    expect(page.locator(".ipt-inv-name input")).to_be_focused(timeout=30_000)
    page.locator(".ipt-inv-table").filter(has_text="3 people: 1 inner, 2 middle, 0 outer").wait_for(timeout=30_000)

    # Remove, then undo: focus goes to Undo after Remove, and to the chooser after Undo (the button is gone).
    tab_to(page, _in("ipt-inv-chooser"))
    page.keyboard.press("e")
    message.filter(has_text="Editing Efua").wait_for(timeout=30_000)
    tab_to(page, _in("ipt-inv-remove"), most=2)
    page.keyboard.press("Space")
    message.filter(has_text="Removed Efua").wait_for(timeout=30_000)
    expect(page.locator("button.ipt-inv-undo")).to_be_focused(timeout=30_000)
    page.locator(".ipt-inv-table").filter(has_text="2 people").wait_for(timeout=30_000)
    assert_accessible(page, [".ipt-inventory"], "the inventory widget after Remove (Undo offered)")
    page.keyboard.press("Enter")
    message.filter(has_text="Put Efua back").wait_for(timeout=30_000)
    expect(page.locator(".ipt-inv-chooser select")).to_be_focused(timeout=30_000)
    page.locator(".ipt-inv-table").filter(has_text="Efua").wait_for(timeout=30_000)
    names = [p["name"] for p in json.loads((work / "my_practice_inventory.json").read_text())["people"]]
    assert names == ["Ama", "Kofi", "Efua"]

    # None of those keys reached JupyterLab: same cells, same types, same active cell, still command mode.
    assert notebook_state(page) == before
    assert inventory.is_visible()


def test_widget_state_survives_restart_and_reload(tmp_path):
    with lesson_in_lab(tmp_path, LESSON) as (page, work, shots, base, token):
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
        # axe-core: the widget (form, table, message, circle) and the lesson's own content around it
        assert_accessible(page, [".ipt-inventory"], "the inventory widget with two people and an error message")
        assert_accessible(page, OURS, f"the rendered lesson {LESSON} (Markdown and outputs)")
        lab_chrome_report(page, LESSON)
        # the figures as the student sees them at the default width: the widget's circle, the lesson's figures
        page.locator(".ipt-inv-circle img").screenshot(path=str(shots / "figure_inventory_widget_circle.png"))
        page.locator(".jp-OutputArea-output img[alt^='Closeness circle for Desmond']").screenshot(
            path=str(shots / "figure_lesson_closeness_circle.png"))
        page.locator(".jp-OutputArea-output img[alt^='Desmond: events']").screenshot(
            path=str(shots / "figure_lesson_timeline.png"))
        shown = page.locator(".ipt-inv-circle img").evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
        assert shown[0] == shown[1], f"the circle is shown at {shown[0]} px, drawn at {shown[1]} px"
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

        _keyboard_walk(page, work)
        page.locator(".ipt-inv-circle img").screenshot(path=str(shots / "figure_inventory_widget_three_people.png"))

        page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel…").first.click()
        page.locator(".jp-Dialog button.jp-mod-accept").click()
        wait_idle(page)
        page.reload()
        open_notebook(page, base, token, LESSON)
        run_all(page)
        page.locator(".ipt-inv-table").filter(has_text="Kofi").wait_for(timeout=90_000)
        table = page.locator(".ipt-inv-table").inner_text()
        assert "Ama" in table and "Kofi" in table and "Efua" in table
        page.screenshot(path=str(shots / "inventory_after_reload.png"), full_page=False)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    for shot in shots.iterdir():
        shutil.copy(shot, artifacts / shot.name)
