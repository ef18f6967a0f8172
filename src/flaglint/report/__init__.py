"""Reporters: pure functions from findings (or an inventory) to text."""

from __future__ import annotations

from flaglint.report.findings_json import render_json
from flaglint.report.inventory import inventory_data, render_inventory_json, render_inventory_text
from flaglint.report.text import render_text

__all__ = [
    "render_json",
    "render_text",
    "inventory_data",
    "render_inventory_json",
    "render_inventory_text",
]
