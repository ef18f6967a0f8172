"""Worker processes end when the process that started them is gone.

A pool worker blocks on its task queue; if only the parent is killed (the
OOM killer, ``kill -9`` on the main process of a pre-commit hook), nothing
tells the workers, and they would hold their memory until the machine
reboots. Each worker watches its parent from a daemon thread and leaves
when it is re-parented.
"""

from __future__ import annotations

import os
import threading
import time

POLL_SECONDS = 0.5


def watch_parent() -> None:
    """Pool initializer: leave at once when the parent this worker started under dies."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(POLL_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="flaglint-parent-watch", daemon=True).start()
