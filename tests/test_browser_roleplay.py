"""A student plays a role-play in the techniques lesson in JupyterLab 4 in headless Chromium: playing through to
an ending (the first four choices by keyboard alone, the rest by clicking) shows the path summary, and the
progress survives a page reload and a kernel restart. Keys never reach JupyterLab's shortcuts, focus lands where
the next choice is read, and axe-core finds no critical or serious WCAG 2.1 A/AA violation in the widget."""

import json
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from a11y import assert_accessible
from ipt_lib.roleplay import Session, find_scenario
from lab import lesson_in_lab, notebook_state, open_notebook, run_all, tab_to, wait_idle

ROOT = Path(__file__).resolve().parents[1]
LESSON = "04_techniques_in_practice.ipynb"
PROGRESS = "roleplay_progress.json"
# R01 through an acceptable, a poor and four good responses (numbers as shown on the buttons).
PATH = [3, 1, 2, 3, 2, 3]
BY_KEYBOARD = 4   # the first four by Tab and Enter or Space only; the last two by clicking
pytestmark = pytest.mark.slow


def _expected_session() -> Session:
    session = Session(find_scenario("R01"))
    for number in PATH:
        session.choose(number)
    assert session.finished, "PATH no longer reaches an ending of R01: update it"
    return session


def _summary_shown(page, ending: str, timeout: int = 90_000) -> str:
    summary = page.locator(".ipt-rp-R01 .ipt-rp-summary").filter(has_text=f"Ending: {ending}")
    summary.wait_for(timeout=timeout)
    return summary.inner_text()


def test_roleplay_played_to_its_end_survives_reload_and_restart(tmp_path):
    started = time.monotonic()
    expected = _expected_session()
    ending = expected.node.ending_label
    with lesson_in_lab(tmp_path, LESSON) as (page, work, shots, base, token):
        widget = page.locator(".ipt-rp-R01")
        try:
            widget.locator("button.ipt-rp-choice").first.wait_for(timeout=90_000)
            widget.scroll_into_view_if_needed()
        finally:
            page.screenshot(path=str(shots / "roleplay_after_run_all.png"))
        wait_idle(page)
        assert "Tomás" in widget.locator(".ipt-rp-header").inner_text()
        expect(page.locator(".ipt-roleplay")).to_have_count(3, timeout=30_000)   # R01, R02 and R03 in the lesson
        first = widget.locator("button.ipt-rp-choice").first
        assert first.evaluate("b => b.scrollWidth <= b.clientWidth + 1")   # long choices wrap, not clipped

        widget.locator(".ipt-rp-client .widget-html-content").focus()   # where a keyboard user arrives
        before = notebook_state(page)
        for k, (number, step) in enumerate(zip(PATH, expected.steps), 1):
            if k <= BY_KEYBOARD:
                # from the client's line, Tab goes through the choices in order: the one numbered `number` is
                # `number` presses away; Enter or Space takes it
                presses = tab_to(page, f"e => e.matches('.ipt-rp-R01 button.ipt-rp-choice') && "
                                       f"e.textContent.trim().startsWith('{number}.')", most=6)
                assert presses == number, f"choice {number} was {presses} Tab presses from the client's line"
                page.keyboard.press("Enter" if k % 2 else "Space")
            else:
                widget.locator("button.ipt-rp-choice").nth(number - 1).click()
            widget.locator(f".ipt-rp-transcript .ipt-rp-step[data-step='{k}']").wait_for(timeout=30_000)
            # focus moved to the client's new line (not left on a button whose text changed), and the
            # feedback is a live region that a screen reader announces
            expect(widget.locator(".ipt-rp-client .widget-html-content")).to_be_focused(timeout=30_000)
            assert widget.locator(".ipt-rp-feedback").get_attribute("aria-live") == "polite"
            # each part of the widget is its own comm message: wait for this one rather than read it at once
            expect(widget.locator(".ipt-rp-feedback")).to_contain_text(step.technique.label, timeout=30_000)
            if k == 2:
                widget.scroll_into_view_if_needed()
                page.screenshot(path=str(shots / "roleplay_feedback_on_a_poor_choice.png"))
                assert_accessible(page, [".ipt-rp-R01"], "the role-play widget after a poor choice (feedback shown)")
        assert notebook_state(page) == before      # no key reached JupyterLab: same cells, same active cell
        text = _summary_shown(page, ending)
        for step in expected.steps:
            assert step.technique.label in text
        assert "4 good, 1 acceptable, 1 poor" in text
        expect(widget.locator("button.ipt-rp-choice:visible")).to_have_count(0, timeout=30_000)
        widget.locator(".ipt-rp-summary").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "roleplay_summary.png"))
        assert_accessible(page, [".ipt-roleplay"], "the lesson's role-play widgets, R01 at its ending summary")
        # at the ending the next thing to do is start again: the next Tab stop after the client's last line
        assert tab_to(page, "e => !!e.closest('.ipt-rp-R01 .ipt-rp-restart')", most=2) >= 1
        saved = json.loads((work / PROGRESS).read_text(encoding="utf-8"))
        assert [s["choice"] for s in saved["scenarios"]["R01"]["steps"]] == PATH

        page.reload()                                              # same kernel, page reloaded
        open_notebook(page, base, token, LESSON)
        run_all(page)
        _summary_shown(page, ending)
        expect(widget.locator(".ipt-rp-transcript .ipt-rp-step")).to_have_count(len(PATH), timeout=30_000)
        page.screenshot(path=str(shots / "roleplay_after_reload.png"))
        wait_idle(page)

        page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel…").first.click()
        page.locator(".jp-Dialog button.jp-mod-accept").click()
        wait_idle(page)
        run_all(page)
        text = _summary_shown(page, ending)
        expect(widget.locator(".ipt-rp-transcript .ipt-rp-step")).to_have_count(len(PATH), timeout=30_000)
        assert "4 good, 1 acceptable, 1 poor" in text
        widget.locator(".ipt-rp-summary").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "roleplay_after_kernel_restart.png"))

        widget.locator("button.ipt-rp-restart").focus()             # start again (by keyboard): the path clears,
        page.keyboard.press("Enter")                                # the run is kept, focus is on the first line
        widget.locator(".ipt-rp-message").filter(has_text="Started again").wait_for(timeout=30_000)
        expect(widget.locator(".ipt-rp-client .widget-html-content")).to_be_focused(timeout=30_000)
        expect(widget.locator(".ipt-rp-transcript .ipt-rp-step")).to_have_count(0, timeout=30_000)
        expect(widget.locator(".ipt-rp-summary")).to_be_hidden(timeout=30_000)
        saved = json.loads((work / PROGRESS).read_text(encoding="utf-8"))
        assert saved["scenarios"]["R01"]["steps"] == [] and len(saved["scenarios"]["R01"]["history"]) == 1
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    for shot in shots.iterdir():
        shutil.copy(shot, artifacts / shot.name)
    print(f"\nbrowser role-play test took {time.monotonic() - started:.1f} s")
