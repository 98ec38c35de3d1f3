"""Reading an answer from an answer cell's *text*, without running it (what the grader does, so that nothing the
student's code does at run time can change the answer it judges). Pure ``ast``: no key is involved."""

from __future__ import annotations

import ast


class Unquoted(str):
    """A label that is not a literal in the answer cell's text (a name, a call): it cannot be read as written."""


def _last_assignment(source: str, name: str) -> tuple[ast.expr | None, str]:
    """The expression last assigned to ``name`` at the top level of an answer cell: (node, problem)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None, "the answer cell is not valid Python, so its answer cannot be read"
    found = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found = node.value
    return (found, "") if found is not None else (None, f"the answer cell does not set {name}")


def static_answer(source: str, name: str) -> tuple[str | None, str]:
    """The text assigned to ``name`` in an answer cell, read without running it: (text, problem)."""
    value, problem = _last_assignment(source, name)
    if value is None:
        return None, problem
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return None, f"{name} must be set to text in quotes, such as \"grief\""
    return value.value, ""


def static_literal(source: str, name: str) -> tuple[object, str]:
    """The literal (text, number, True/False) last assigned to ``name`` in an answer cell: (value, problem)."""
    value, problem = _last_assignment(source, name)
    if value is None:
        return None, problem
    try:
        return ast.literal_eval(value), ""
    except ValueError:
        return None, f"{name} must be written as a value (text in quotes, or a number), not computed"


def _literal_or_unquoted(node) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return Unquoted(ast.unparse(node))


def static_labels(source: str, name: str) -> tuple[dict | None, str]:
    """The dict of labels assigned to ``name`` in an answer cell, read without running it, including later
    ``name[turn] = "label"`` lines: (labels, problem)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None, "the answer cell is not valid Python, so its labels cannot be read"
    labels = None
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        try:
            if isinstance(target, ast.Name) and target.id == name:
                if not isinstance(node.value, ast.Dict) or None in node.value.keys:
                    return None, f"{name} must be a dict from turn number to label in quotes"
                labels = {ast.literal_eval(k): _literal_or_unquoted(v) for k, v in zip(node.value.keys,
                                                                                     node.value.values)}
            elif (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                  and target.value.id == name and labels is not None):
                labels[ast.literal_eval(target.slice)] = _literal_or_unquoted(node.value)
        except ValueError:
            return None, f"{name}'s labels must be written as text in quotes (they are read without running the cell)"
    if labels is None:
        return None, f"the answer cell does not set {name}"
    return labels, ""
