"""cluster.py with its worker processes held inside their first task: each writes <pid>.ready into
$HELD_WORKERS_DIR and waits there for good, so a test knows they are mid-work (past their
initializer) when it kills cluster.py. Run as `python tests/held_workers.py <cluster.py flags>`."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def held_task(task: tuple) -> tuple[str, dict]:
    """Stands in for imf.analyse_task in the workers: never returns, the test ends the run."""
    (Path(os.environ["HELD_WORKERS_DIR"]) / f"{os.getpid()}.ready").write_text(task[0])
    while True:
        time.sleep(0.05)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python_jobs"))
    import cluster
    from pipeline import cli, imf

    imf.analyse_task = held_task  # the pool pickles it by name: the workers import it from this file
    cli.entry(cluster.main)
