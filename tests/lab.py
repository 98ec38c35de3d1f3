"""Start JupyterLab on localhost for a test, and drive it with Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("IPT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_lab(work: Path, home: Path, cwd: Path | None = None):
    """JupyterLab serving ``work``, with all its state under ``home``; yields (base_url, token). ``cwd`` is where
    the server runs (nbgrader's Formgrader reads nbgrader_config.py from there: give the course folder)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (.ci/run does) or set IPT_CHROMIUM")
    settings = home / "settings"
    # Render every cell (no windowing) so the test sees the whole notebook; no news pop-up.
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
    log = open(home / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         f"--LabApp.workspaces_dir={home / 'workspaces'}", f"--LabApp.user_settings_dir={settings}"],
        env=env, stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL, cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text()[-2000:])
                time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            browser.close()


# The status bar's kernel item reads "Python 3 (ipykernel) | Idle" once the notebook's kernel is connected and
# idle. The toolbar's execution indicator says "idle" earlier, while the session still has no kernel ("No Kernel |
# Initializing"); a Run All clicked then makes JupyterLab ask which kernel to start (seen on a loaded machine).
KERNEL_IDLE = """() => [...document.querySelectorAll('.jp-StatusBar-Item')].some(
    e => /^(?!No Kernel).+\\|\\s*Idle$/.test(e.textContent.trim()))"""


def wait_kernel_idle(page, timeout: int = 120_000) -> None:
    """Wait until the notebook's kernel has started, connected and is idle (the status bar says so)."""
    page.wait_for_function(KERNEL_IDLE, timeout=timeout)


def open_notebook(page, base: str, token: str, path: str) -> None:
    page.goto(f"{base}/lab/tree/{path}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    wait_kernel_idle(page)


def run_all(page, attempts: int = 3) -> None:
    """Run > Run All Cells; retried if no cell starts running (a menu click can be lost while Lab settles)."""
    for _ in range(attempts):
        dialog = page.locator(".jp-Dialog")
        if dialog.count():
            raise AssertionError(f"JupyterLab shows a dialog: {dialog.first.inner_text()!r}")
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(
                "document.querySelectorAll('.jp-Notebook .jp-InputArea-prompt').length > 0 && "
                "Array.from(document.querySelectorAll('.jp-Notebook .jp-InputArea-prompt'))"
                ".some(p => /\\[(\\d+|\\*)\\]/.test(p.textContent))", timeout=20_000)
            return
        except Exception:  # noqa: BLE001 - retry the menu
            page.keyboard.press("Escape")
    raise AssertionError("Run All Cells did not start any cell")


def wait_idle(page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)


# --- the keyboard ---------------------------------------------------------------------------------------

def focused(page, predicate: str) -> bool:
    """Whether the focused element satisfies the JavaScript ``predicate`` (a function of the element)."""
    return page.evaluate(f"() => {{ const e = document.activeElement; return !!e && ({predicate})(e); }}")


def tab_to(page, predicate: str, *, shift: bool = False, most: int = 40) -> int:
    """Press Tab (Shift+Tab) until the focused element satisfies ``predicate``; the number of presses."""
    for presses in range(most + 1):
        if focused(page, predicate):
            return presses
        if presses < most:
            page.keyboard.press("Shift+Tab" if shift else "Tab")
            page.wait_for_timeout(50)
    where = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"{most} presses of {'Shift+' if shift else ''}Tab did not reach {predicate}; "
                         f"focus is on {where}")


def notebook_state(page) -> dict:
    """What JupyterLab's notebook shortcuts change: cells, their types, the active cell, the mode, dialogs."""
    return page.evaluate("""() => {
        const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
        const cells = [...nb.querySelectorAll('.jp-Cell')];
        return {cells: cells.length, markdown: nb.querySelectorAll('.jp-MarkdownCell').length,
                active: cells.findIndex(c => c.classList.contains('jp-mod-active')),
                edit_mode: nb.classList.contains('jp-mod-editMode'),
                dialogs: document.querySelectorAll('.jp-Dialog').length};
    }""")


@contextmanager
def lesson_in_lab(tmp_path: Path, lesson: str):
    """A copy of ``notebooks/<lesson>`` opened in its own JupyterLab and run from the top; yields
    (page, work folder, screenshots folder, base url, token)."""
    import shutil

    work, shots = tmp_path / "work", tmp_path / "screenshots"
    work.mkdir()
    shots.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "notebooks" / lesson, work / lesson)
    with running_lab(work, tmp_path) as (base, token), browser_page() as page:
        open_notebook(page, base, token, lesson)
        run_all(page)
        yield page, work, shots, base, token
