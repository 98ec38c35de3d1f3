"""Thin ipywidgets views over the domain models (imported only when a widget is used)."""

from .inventory import InventoryWidget, inventory_widget

__all__ = ["InventoryWidget", "inventory_widget"]
