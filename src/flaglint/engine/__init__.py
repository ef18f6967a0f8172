"""The driver: analyse a tree or a revision (facts in parallel, cached), then run rules.

Front ends call these; rules and reporters import :mod:`flaglint.project` instead.
"""

from flaglint.engine.analyse import (
    analyse,
    analyse_base,
    analyse_index,
    analyse_revision,
    attach_base,
)
from flaglint.engine.pool import collect_facts, fact_options
from flaglint.engine.run import open_results, run_rules

__all__ = [
    "analyse",
    "analyse_base",
    "analyse_index",
    "analyse_revision",
    "attach_base",
    "collect_facts",
    "fact_options",
    "open_results",
    "run_rules",
]
