"""Removing flags: rewrite the code as if each flag were permanently on or off.

The inventory says which files read the keys and where; only those files are
parsed with LibCST (with positions), so everything else in them, comments and
formatting included, comes back byte for byte. What cannot be rewritten with
certainty is left untouched and listed for a human.
"""

from __future__ import annotations

from flaglint.codemod.cascade import CheckByHand, Deleted
from flaglint.codemod.output import WriteReport, apply_plan, render_diff
from flaglint.codemod.patched_tests import DeletedTest
from flaglint.codemod.plan import (
    FileRewrite,
    RemovalPlan,
    key_definitions,
    plan_removal,
    plan_removals,
)
from flaglint.codemod.rewrite import Leftover

__all__ = [
    "CheckByHand",
    "Deleted",
    "DeletedTest",
    "FileRewrite",
    "Leftover",
    "RemovalPlan",
    "WriteReport",
    "apply_plan",
    "key_definitions",
    "plan_removal",
    "plan_removals",
    "render_diff",
]
