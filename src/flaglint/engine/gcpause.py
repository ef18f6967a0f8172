"""Pausing the cyclic garbage collector while millions of acyclic objects are made.

Parsing a file and collecting its facts, or unpickling the facts of a whole
tree, allocates millions of tuples and strings that never form cycles; every
few hundred allocations the collector still scans the young ones, and its full
collections scan everything alive. Reference counting frees all of it without
help, so bulk stages run with the collector paused (its scans took a third of
the time of building facts (benchmarks/RESULTS.md, design measurements)), and
what survives is frozen so that later stages do not rescan it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(freeze: bool = False) -> Iterator[None]:
    """Run the block with the cyclic collector off; restore its previous state.

    With ``freeze``, everything alive at the end (the facts just loaded) is
    moved out of the collector's sight first. Re-enabling it without that
    makes the next allocation trigger a scan of every object the block
    made.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()
