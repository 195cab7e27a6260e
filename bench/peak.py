"""A process's own peak resident memory, for the benchmark's child processes (stdlib only, so importing it
costs a timed child nothing)."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_resident_mb() -> float:
    """This process's peak resident memory in MB: the kernel's VmHWM. Not getrusage's ru_maxrss, which Linux
    carries over from the parent across fork and exec (a child of an 800 MB benchmark reported 813 MB for
    itself, VmHWM 13 MB)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
