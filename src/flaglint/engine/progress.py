"""Progress of the long stages on stderr, for a person watching a terminal.

Off unless the command line turned it on (:func:`enable`), which it does only
when stderr is a terminal and ``-q`` was not given: piped, redirected or in
CI, nothing is printed, so logs and ``--format json`` stay clean. Small stages
(fewer than :data:`THRESHOLD` items) show nothing either.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

THRESHOLD = 200
_stream: TextIO | None = None


def enable(stream: TextIO | None) -> None:
    """Show progress on ``stream`` (a terminal), or nowhere with None."""
    global _stream
    _stream = stream


def terminal_stderr(quiet: bool = False) -> TextIO | None:
    """stderr when it is a terminal and the user did not ask for quiet, else None."""
    stream = sys.stderr
    try:
        return stream if stream is not None and stream.isatty() and not quiet else None
    except (AttributeError, ValueError):  # a closed or odd stream
        return None


@contextmanager
def bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar for ``total`` items; the function it gives advances it."""
    if _stream is None or total < THRESHOLD:
        yield _nothing
        return
    import click

    with click.progressbar(length=total, label=label, file=_stream, show_eta=True) as shown:
        yield shown.update


def _nothing(count: int) -> None:
    return None
