"""The package's layering, read from its source: no import loops, nothing imports upward.

Layers, bottom to top: the student-facing core (``ipt_lib/*.py``), the widgets over it (``ipt_lib/widgets/``), and
the instructor's tools (``ipt_lib/course/``). A student's kernel imports the core and the widgets only, so neither
may import ``course/`` (where keys and grading machinery live), and the core may not import the widgets (which need
ipywidgets). ``ipt_lib/__init__.py`` is the facade that names everything lazily, so it is left out of the rules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ipt_lib"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = module.split(".")
    if node.level:
        base = base if is_package else base[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    # "from . import x" may name a module x; count both the package and package.x
    return [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def visit(body, top: bool) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(name for name in _resolve(module, is_package, node) if name.startswith("ipt_lib"))
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue  # annotations only: never executed
            if top_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.AST):
                    visit(inner, top)

    visit(tree.body, True)
    return found


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def _layer(module: str) -> int:
    if module.startswith("ipt_lib.course"):
        return 2
    if module.startswith("ipt_lib.widgets"):
        return 1
    return 0


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "ipt_lib"))
def test_nothing_imports_upward(module):
    """Any import, even one inside a function: the core never reaches the widgets or the instructor's tools."""
    upward = sorted(name for name in _imports(MODULES[module], top_level_only=False)
                    if name in MODULES and _layer(name) > _layer(module))
    assert not upward, f"{module} (layer {_layer(module)}) imports {upward} from a layer above it"


def test_no_import_loops():
    """Module-level imports form no cycle (imports deferred into a function do not run at import time)."""
    graph = {m: {n for n in _imports(p, top_level_only=True) if n in MODULES and n != m} for m, p in MODULES.items()}
    # A module's import of its own package's __init__ is how Python imports submodules: not a loop.
    for m in graph:
        graph[m] = {n for n in graph[m] if not m.startswith(n + ".")}
    visiting, done, loops = set(), set(), []

    def walk(node: str, trail: list[str]) -> None:
        visiting.add(node)
        for nxt in sorted(graph[node]):
            if nxt in visiting:
                loops.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else trail + [nxt])
            elif nxt not in done:
                walk(nxt, trail + [nxt])
        visiting.discard(node)
        done.add(node)

    for start in sorted(graph):
        if start not in done:
            walk(start, [start])
    assert not loops, "import loops: " + "; ".join(" -> ".join(loop) for loop in loops)


def test_the_rules_see_imports():
    """The reader finds the imports it must judge (else the two tests above would pass on anything)."""
    assert "ipt_lib.problem_areas" in _imports(MODULES["ipt_lib.deck"], top_level_only=True)
    assert any(n.startswith("ipt_lib.grading") for n in _imports(MODULES["ipt_lib.course.preprocessors"],
                                                                    top_level_only=False))
