"""cluster.py with its worker processes held inside their first task: each writes <pid>.ready into
$HELD_WORKERS_DIR and waits there for good, so a test knows they are mid-work (past their
initializer) when it kills cluster.py. Run as `python tests/held_workers.py <cluster.py flags>`."""

from __future__ import annotations

import os
import runpy
import time
from pathlib import Path


def held_task(task: tuple) -> tuple[str, dict]:
    """Stands in for imf.analyse_task in the workers: never returns, the test ends the run."""
    (Path(os.environ["HELD_WORKERS_DIR"]) / f"{os.getpid()}.ready").write_text(task[0])
    while True:
        time.sleep(0.05)


if __name__ == "__main__":
    import held_workers  # by its module name: the pool pickles held_task by name, and the workers import it
    from pipeline import imf
    from pipeline.project import PROJECT_ROOT

    imf.analyse_task = held_workers.held_task
    runpy.run_path(str(PROJECT_ROOT / "python_jobs" / "cluster.py"), run_name="__main__")  # the real command
