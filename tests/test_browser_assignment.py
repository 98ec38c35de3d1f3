"""A student opens Assignment 1 in JupyterLab 4 in a real (headless Chromium) browser and works in it."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("IPT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (.ci/run does) "
                    "or set IPT_CHROMIUM")
    home = tmp_path_factory.mktemp("student")
    work = home / "work"
    shutil.copytree(ROOT / "release" / "a1_problem_areas", work / "a1_problem_areas")
    settings = home / "settings"
    # Render every cell (no windowing), so the test sees the whole notebook; no news pop-up.
    for plugin, values in {"@jupyterlab/notebook-extension/tracker": '{"windowingMode": "none"}',
                           "@jupyterlab/apputils-extension/notification": '{"fetchNews": "false"}'}.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(values, encoding="utf-8")
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        env[name] = str(home / name.lower())
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    port, token = _free_port(), secrets.token_hex(16)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         f"--LabApp.workspaces_dir={home / 'workspaces'}", f"--LabApp.user_settings_dir={settings}"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(home / "lab.log", "w"), stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text()[-2000:])
            time.sleep(0.5)
    yield {"base": base, "token": token, "home": home}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def lab_page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{lab['base']}/lab/tree/a1_problem_areas/problem_areas.ipynb?token={lab['token']}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        yield page
        browser.close()


def _run_all(page, lab) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
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
