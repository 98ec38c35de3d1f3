"""Finding the keyed checks in a test cell's source, and taking them out before the student's kernel sees it.

A keyed check is a call of a grading rule's hidden check (``assert_area("case_3", "<key>")``, see
``ipt_lib.grading.RULES``) with literal arguments. The grader reads the calls from the gradebook's copy of the cell
and judges them in its own process; the sealed cell the kernel runs holds no key.
"""

from __future__ import annotations

import ast
import re

from ..grading import COMPUTED, KEYED_CHECKS

def keyed_checks(source: str) -> list[tuple[str, str, str]]:
    """The ``assert_area("case_N", '<area>')`` calls in a test cell: (function, answer name, expected)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYED_CHECKS:
            try:
                args = [ast.literal_eval(a) for a in node.args]
            except ValueError:
                continue
            if args and isinstance(args[0], str):
                found.append((node.func.id, *args))
    return found


def computed_checks(source: str) -> list[tuple[int, int, dict]]:
    """The ``assert_computed(...)`` statements of a test cell: (first line, last line, literal arguments)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        if not (isinstance(call.func, ast.Name) and call.func.id == COMPUTED.function):
            continue
        try:
            names = ["name", "expected", "kind", "tol", "mistakes", "points"]
            args = dict(zip(names, (ast.literal_eval(a) for a in call.args)))
            args.update({k.arg: ast.literal_eval(k.value) for k in call.keywords})
        except ValueError:
            continue
        found.append((node.lineno, node.end_lineno, args))
    return found


REPORT_CALL = "_ipt_report("


SEALED_NOTE = "pass  # the keyed check of this item runs in the grader, outside your kernel"


_HIDDEN_BLOCK = re.compile(r"^([ \t]*)### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*$",
                           re.M | re.S)


def seal_keyed_source(source: str) -> str:
    """``source`` with every keyed check (``assert_area(..., key)`` and the like) replaced by a no-op: a hidden
    block that holds one goes whole (markers included), and any other keyed call statement too."""

    def block(match: re.Match) -> str:
        if keyed_checks(match.group(2)):
            return match.group(1) + SEALED_NOTE
        return match.group(0)

    source = _HIDDEN_BLOCK.sub(block, source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    spans = [(node.lineno, node.end_lineno) for node in tree.body
             if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
             and isinstance(node.value.func, ast.Name) and node.value.func.id in KEYED_CHECKS]
    if not spans:
        return source
    lines = source.split("\n")
    for first, last in sorted(spans, reverse=True):
        line = lines[first - 1]
        indent = line[: len(line) - len(line.lstrip())]
        lines[first - 1:last] = [indent + SEALED_NOTE]
    return "\n".join(lines)
