"""Cache writes and other work done in a forked child while the run goes on.

Saving the call graph's snapshot pickles every file's answers and edges: 1.3 s
of Django's cold check and 0.5 s of koku's, which the rules waited for
(benchmarks/RESULTS.md, session 35). Where forking is safe (a POSIX system
other than macOS, whose system libraries are not, and no other thread in this
process, which could hold a lock the child would wait on forever), the write
runs in a child forked for it and this process goes on; it waits for its
children before it ends (:func:`wait`). Elsewhere the write runs in place.

The child has this process's memory as it was when forked, so what it writes
is what was there then, whatever this process does next. It leaves with
``os._exit``: no buffered output of this process is written twice, no exit
handler runs twice. A child that fails leaves the cache folder as it was, since
every write is renamed into place whole (:mod:`flaglint.cache.store`); the next
run only finds no snapshot.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable

_children: list[int] = []


def can_fork() -> bool:
    """Whether a child may be forked here (see the module's docstring)."""
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


def _fork(run: Callable[[], None]) -> int:
    """Fork a child that runs ``run`` off this process's streams and leaves with
    ``os._exit`` (status 1 if ``run`` raised); the child's pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; the tests see what it did
        code = 0
        try:
            # Off this process's streams: a reader of its output sees the end of it
            # when this process ends, not when the child does.
            devnull = os.open(os.devnull, os.O_RDWR)
            for stream in (0, 1, 2):
                os.dup2(devnull, stream)
            run()
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid


def write(save: Callable[[], None]) -> None:
    """Run ``save`` in a forked child if one may be forked, else here and now."""
    if not can_fork():
        save()
        return
    _children.append(_fork(save))


class Pending:
    """What a child forked by :func:`compute` sends back, read when asked for."""

    def __init__(self, pid: int, reader: int) -> None:
        self._pid = pid
        self._reader = reader

    def result(self) -> bytes | None:
        """The bytes the child sent, or None if it failed (it is waited for first).

        The child sends the length of what it sends first: a child that failed sends
        nothing whole, whatever its exit status says (a host that ignores SIGCHLD
        has its children reaped for it, and their status lost).
        """
        chunks: list[bytes] = []
        try:
            with os.fdopen(self._reader, "rb") as stream:
                while chunk := stream.read(1 << 20):
                    chunks.append(chunk)
        except OSError:
            chunks = []
        try:
            _, status = os.waitpid(self._pid, 0)
            failed = not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0
        except ChildProcessError:  # reaped already: the length says whether it finished
            failed = False
        sent = b"".join(chunks)
        if (
            failed
            or len(sent) < _HEADER
            or int.from_bytes(sent[:_HEADER], "big") != len(sent) - _HEADER
        ):
            return None
        return sent[_HEADER:]

    def discard(self) -> None:
        """Not wanted after all: stop reading (a child still writing fails and ends),
        and leave the child to :func:`wait`."""
        try:
            os.close(self._reader)
        except OSError:
            pass
        _children.append(self._pid)


# The length of what a child sends, before it.
_HEADER = 8


def compute(work: Callable[[], bytes]) -> Pending | None:
    """Run ``work`` in a forked child and hand back its bytes when asked; None (and
    nothing run) where no child may be forked. The child exits non-zero, sending
    nothing, if ``work`` raises. ``work`` must not leave children of its own running:
    they would hold the pipe open, and :meth:`Pending.result` waits for its end."""
    if not can_fork():
        return None
    reader, writer = os.pipe()

    def send() -> None:
        os.close(reader)
        data = work()
        with os.fdopen(writer, "wb") as stream:
            stream.write(len(data).to_bytes(_HEADER, "big"))
            stream.write(data)

    pid = _fork(send)
    os.close(writer)
    return Pending(pid, reader)


def wait() -> None:
    """Wait for every child :func:`write` forked: its file is in place after this."""
    while _children:
        try:
            os.waitpid(_children[0], 0)
        except ChildProcessError:  # already reaped (a SIGCHLD handler, say)
            pass
        _children.pop(0)  # not before: an interrupted wait leaves it to the next


# Callers that embed flaglint and never call wait() still leave a complete cache.
atexit.register(wait)
