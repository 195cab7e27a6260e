"""The helpers tests share, one module (conftest.py holds only the fixtures)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.warehouse import connect

GOOD_KRAKEN = (
    "1700000040,1.0,1.2,0.9,1.1,10.5,3\n"
    "1700000100,1.1,1.3,1.0,1.2,0,0\n"
    "1700000160,1.2,1.25,1.15,1.2,7.25,2\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- warehouses

def engines_param():
    """Run the test on DuckDB and on MariaDB, through the `warehouse` fixture (conftest.py)."""
    return pytest.mark.parametrize(
        "warehouse", [pytest.param("duckdb", id="duckdb"), pytest.param("mariadb", id="mariadb",
                                                                          marks=pytest.mark.mariadb)],
        indirect=True)


def query(target, sql: str, params=None) -> list[tuple]:
    """Run one query on a target and return all rows (a fresh connection each time)."""
    con = connect(target)
    try:
        if target.type == "duckdb":
            return [tuple(r) for r in con.execute(sql, params or []).fetchall()]
        with con.cursor() as cur:
            cur.execute(sql, params)
            rows = [tuple(r) for r in cur.fetchall()]
        con.commit()
        return rows
    finally:
        con.close()


def execute(target, sql: str) -> None:
    con = connect(target)
    try:
        if target.type == "duckdb":
            con.execute(sql)
        else:
            with con.cursor() as cur:
                cur.execute(sql)
            con.commit()
    finally:
        con.close()


def same(a, b, path="") -> None:
    """Equal nested results (dicts in the same key order, lists), floats to 1e-9 relative."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for key in a:
            same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


# ----------------------------------------------------------------------------- command-line jobs

JOBS = Path(__file__).resolve().parents[1] / "python_jobs"


def _without_permission_override() -> None:
    """In a child about to exec, as root: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    bounding set, so the program it runs obeys file modes (root otherwise writes into a 0555 folder)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # 24 = PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_job(script: str, *args: str, obey_modes: bool = False, timeout: float = 300):
    """A real run of python_jobs/<script> (the environment as the test set it); with obey_modes,
    a folder's mode bits apply even when the tests run as root."""
    import os
    import subprocess
    import sys

    preexec = _without_permission_override if obey_modes and os.geteuid() == 0 else None
    return subprocess.run([sys.executable, str(JOBS / script), *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=preexec)


def unwritable_folder(path: Path) -> Path:
    """An existing folder nobody may write into (mode 0555). Give it back 0755 before cleanup."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o555)
    return path


def assert_one_line_error(stderr: str, *needles: str, only_line: bool = False) -> str:
    """stderr holds exactly one ERROR line, containing every needle, and no traceback; with
    only_line, nothing else either (the job stopped before logging any work). Returns the line."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if " ERROR " in f" {line}"]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    if only_line:
        assert lines == errors, stderr
    return errors[0]


def weeks_before_now(base: datetime, margin_days: int = 3) -> datetime:
    """`base` moved by whole weeks to lie at least `margin_days` before now (naive UTC).

    Test data built around a fixed time passes only while the clock is later than it (later bars
    are quarantined as stamped in the future). Moving it by whole weeks keeps its weekday and
    time of day, so the 6 h buckets and the Thursday-aligned 168 h windows fall alike.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    weeks = (now - timedelta(days=margin_days) - base).days // 7
    return base + timedelta(weeks=weeks)
