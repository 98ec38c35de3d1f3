"""Reading a student's answer variable in the kernel, and the two errors a test cell raises."""

from __future__ import annotations

import re
import sys

from ..errors import StudentFacingError


class WrongAnswer(StudentFacingError, AssertionError):
    """A well-formed answer that is not the expected one (shown without a traceback)."""

    title = "Not the expected answer"


class MissingAnswer(StudentFacingError, NameError):
    """The answer variable does not exist: its cell was not run, or was deleted."""

    title = "Answer not found"


def _last_answer_source(name: str) -> str | None:
    """The text of the last cell the student ran that assigns ``name`` (from IPython's input history)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None) or []
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=", re.M)
    for source in reversed(history[:-1]):  # the last entry is the check cell itself
        if pattern.search(source):
            return source
    return None


def _unquoted_hint(name: str) -> str:
    """Why the answer cell for ``name`` did not set text in quotes, if that is what happened; else ''."""
    import ast

    source = _last_answer_source(name)
    if source is None:
        return ""
    example = f'{name} = "your answer"'
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return (f"Your answer cell for {name} is not valid Python, so it did not run. Answers go in quotes, "
                f"for example {example}. Put quotes around your answer, run the answer cell, then this one.")
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = node.value
            if isinstance(value, (ast.Name, ast.BinOp, ast.Attribute, ast.Subscript)):
                return (f"Your answer for {name} is written without quotes ({ast.unparse(value)}), so Python "
                        f"read it as code. Put it in quotes, for example {example}, run the answer cell, then "
                        "this one.")
    return ""


def answer(name: str, depth: int = 2) -> object:
    """The value of the student's answer variable ``name`` in the namespace of the cell that called the test-cell
    function (``depth`` frames up: the test-cell function calls this directly)."""
    frame = sys._getframe(depth)
    namespace = frame.f_locals if name in frame.f_locals else frame.f_globals
    if name not in namespace or namespace[name] is Ellipsis:
        hint = _unquoted_hint(name)
        if hint:
            raise MissingAnswer(hint)
    if name not in namespace:
        raise MissingAnswer(f"There is no answer called {name} yet. Run the answer cell above this one "
                            f"(it starts with '{name} ='), then run this cell again.")
    return namespace[name]


def case_label(name: str) -> str:
    """How feedback names an answer: "Case 3" for ``case_3``, else the variable's name."""
    return name.replace("case_", "Case ") if name.startswith("case_") else name


def whole_number(value: object) -> int | None:
    """``value`` as an int if it is a whole number written as one (7 or 7.0), else None (True, 7.5, "7")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
