"""`python -m bench.child_dbt <dbt args>`: one dbt command in a process of its own, as cron runs it; prints
one JSON line with its seconds (process start to end, dbt's own start included) and peak resident memory."""

from __future__ import annotations

import json
import sys
import time

STARTED = time.perf_counter()

from bench.peak import peak_resident_mb  # noqa: E402
from pipeline import dbt_runner  # noqa: E402  (the import is part of what a run costs)


def main(argv: list[str]) -> int:
    dbt_runner.invoke([*argv, "--quiet"])
    peak = peak_resident_mb()
    print(json.dumps({"seconds": time.perf_counter() - STARTED, "peak_mb": peak}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
