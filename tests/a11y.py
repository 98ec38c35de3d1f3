"""axe-core in the browser tests: the WCAG 2.1 A and AA rules, run on a part of the page, reported readably.

axe-core comes with the ``axe-playwright-python`` package (its ``axe.min.js``), so nothing is downloaded at run time.
"""

from __future__ import annotations

WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
# Where our own content is drawn inside a notebook: rendered Markdown and cell outputs (widgets included).
OURS = [".jp-Notebook .jp-RenderedMarkdown", ".jp-Notebook .jp-OutputArea-output"]


def axe(page, include: list[str], exclude: list[str] = ()) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe finds in the elements matching ``include`` (CSS selectors)."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        """([include, exclude, tags]) => axe.run(
             {include: include.map(s => [s]), exclude: exclude.map(s => [s])},
             {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        [list(include), list(exclude), WCAG21_AA])
    return result["violations"]


def report(violations: list[dict], title: str = "") -> str:
    """The violations as text: rule, impact, what it asks, and each element with axe's own explanation."""
    if not violations:
        return f"{title}: no WCAG 2.1 A/AA violations" if title else "no WCAG 2.1 A/AA violations"
    lines = [f"{title}: {len(violations)} kind(s) of WCAG 2.1 A/AA violation" if title else ""]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:8]:
            snippet = " ".join(node.get("html", "").split())
            snippet = snippet if len(snippet) <= 240 else snippet[:240] + " ..."
            lines.append(f"    at {' > '.join(map(str, node['target']))}")
            lines.append(f"       {snippet}")
            summary = " ".join(node.get("failureSummary", "").split())
            if summary:
                lines.append(f"       {summary[:400]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more element(s)")
    return "\n".join(lines)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in BLOCKING]


def assert_accessible(page, include: list[str], where: str, exclude: list[str] = ()) -> list[dict]:
    """Fail, with a readable list, on any critical or serious violation in ``include``; print the rest.

    Returns all violations found (minor and moderate ones included), for the caller to report.
    """
    found = axe(page, include, exclude)
    print("\n" + report(found, f"axe on {where}"))
    bad = blocking(found)
    assert not bad, "\n" + report(bad, f"critical or serious accessibility violations in {where}")
    return found


def lab_chrome_report(page, where: str) -> list[dict]:
    """Violations in a notebook's cells outside our content (JupyterLab's editors, prompts, toolbars): printed so
    they are seen, never failed on, because they are JupyterLab's to fix, not the course's."""
    ours = {(v["id"], tuple(map(str, n["target"]))) for v in axe(page, OURS) for n in v["nodes"]}
    theirs = []
    for v in axe(page, [".jp-Notebook"]):
        nodes = [n for n in v["nodes"] if (v["id"], tuple(map(str, n["target"]))) not in ours]
        if nodes:
            theirs.append({**v, "nodes": nodes})
    print("\n" + report(theirs, f"axe on JupyterLab's own parts of {where} (reported, not failed: not our output)"))
    return theirs
