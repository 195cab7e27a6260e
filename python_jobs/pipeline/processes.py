"""Child processes that end with the process that started them."""

from __future__ import annotations

import os
import sys


def die_with_parent(parent: int) -> None:
    """In a child process: on Linux, ask for SIGTERM when `parent` (the starting process's pid)
    dies, and exit at once if it is already gone. Without it, a parent killed by a signal (cron's
    timeout, `kill`, a cancelled CI job) leaves its children running: cluster.py's workers went on
    computing for an hour (seen), a test run's throwaway mariadbd went on serving."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
