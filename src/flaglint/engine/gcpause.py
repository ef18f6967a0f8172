"""Pausing the cyclic garbage collector while millions of acyclic objects are made.

Parsing a file and collecting its facts, or unpickling the facts of a whole
tree, allocates millions of tuples and strings that never form cycles; every
few hundred allocations the collector still scans the young ones, and its full
collections scan everything alive. Reference counting frees all of it without
help, so bulk stages run with the collector paused (its scans took a third of
the time of building facts (benchmarks/RESULTS.md, design measurements)), and
what survives is frozen so that later stages do not rescan it.

A process that ends with ``os._exit`` (the console script, see
:func:`ends_with_exit`) never needs the garbage of its last bulk stage found:
that stage's block freezes too instead of handing the collector a young
generation of millions of objects to scan on its next allocation (0.2 to 0.6 s
at the end of every check that ran its rules; benchmarks/RESULTS.md, session 35).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_ends_with_exit = False


def ends_with_exit() -> None:
    """Declare that this process ends with ``os._exit`` once its command is done.

    Blocks paused with ``until_exit`` then freeze what they leave instead of
    having it scanned: its cycles are never reclaimed, which costs nothing in a
    process about to end. Callers that embed flaglint and check many trees in one
    process keep the default, and the collector reclaims them.
    """
    global _ends_with_exit
    _ends_with_exit = True


@contextmanager
def paused(freeze: bool = False, until_exit: bool = False) -> Iterator[None]:
    """Run the block with the cyclic collector off; restore its previous state.

    With ``freeze``, everything alive at the end (the facts just loaded) is
    moved out of the collector's sight first. Re-enabling it without that
    makes the next allocation trigger a scan of every object the block
    made. With ``until_exit``, the same once :func:`ends_with_exit` was called.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze or (until_exit and _ends_with_exit):
            gc.freeze()
        if was_enabled:
            gc.enable()
