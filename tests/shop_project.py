"""A small shop project shared by the graph tests: five files with a flag, a star
import, base classes and an alias, and helpers to write it and analyse it."""

from __future__ import annotations

from pathlib import Path

from flaglint.config import load_config
from flaglint.engine import analyse
from flaglint.project import Project

FILES = {
    "pyproject.toml": "[tool.flaglint]\n",
    "shop/__init__.py": "from shop.pricing import quote as public_quote\n",
    "shop/pricing.py": """\
import os


def quote(order):
    if os.getenv("FEATURE_ROUNDING"):
        return _round(order.total)
    return surcharge(order)


def _round(value):
    return round(value, 2)
""",
    "shop/views.py": """\
from shop import pricing
from shop.pricing import Mixin, quote


class Base:
    def handle(self, order):
        return self.validate(order)

    def validate(self, order):
        return order


class Checkout(Base):
    def run(self, order):
        self.audit(order)
        return pricing.fee(order)


class Late(Mixin):
    pass


def make():
    checkout = Checkout()
    checkout.run(quote(None))
    return pricing.discount(checkout)
""",
    "shop/star.py": """\
from shop.pricing import *
from shop.views import Checkout, Late


def use():
    return extra()


def build():
    return Checkout()


class Later(Late):
    def go(self):
        return self.validate(1)
""",
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def analyse_tree(root: Path) -> Project:
    return analyse(load_config(root), [root], use_cache=False)
