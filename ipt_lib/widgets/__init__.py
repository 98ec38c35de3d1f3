"""Thin ipywidgets views over the domain models, one module per view; each is imported the first time it is used.

``ipt_lib.inventory_widget``, ``ipt_lib.pathway_widget`` and ``ipt_lib.roleplay_widget`` all come from here, and so
do ``from ipt_lib.widgets import roleplay_widget`` and ``from ipt_lib.widgets.roleplay import roleplay_widget``.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "InventoryWidget": "inventory", "inventory_widget": "inventory",
    "PathwayWidget": "pathway", "pathway_widget": "pathway",
    "RolePlayWidget": "roleplay", "roleplay_widget": "roleplay",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ipt_lib.widgets' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
