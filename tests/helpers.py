"""The helpers tests share, one module (conftest.py holds only the fixtures)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.warehouse import connect, read_rows

GOOD_KRAKEN = (
    "1700000040,1.0,1.2,0.9,1.1,10.5,3\n"
    "1700000100,1.1,1.3,1.0,1.2,0,0\n"
    "1700000160,1.2,1.25,1.15,1.2,7.25,2\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- warehouses

def engines_param(*, spark: bool = False):
    """Run the test on DuckDB and on MariaDB (and, with `spark`, on Spark), through the `warehouse`
    fixture (conftest.py)."""
    engines = [pytest.param("duckdb", id="duckdb"), pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb)]
    if spark:
        engines.append(pytest.param("spark", id="spark", marks=pytest.mark.spark))
    return pytest.mark.parametrize("warehouse", engines, indirect=True)


def query(target, sql: str, params=None) -> list[tuple]:
    """Run one query on a target and return all rows (a fresh connection each time; on Spark the
    process's session, timestamps as naive UTC)."""
    if target.is_spark:
        return read_rows(target, sql, params or ())[1]
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
    if target.is_spark:
        connect(target).sql(sql)
        return
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


def delete_bars(target, where: str, table: str = "ohlcvt") -> None:
    """Delete the bars matching `where` (SQL over the bars table's columns), on every engine."""
    if target.is_spark:
        _rewrite_spark_bars(target, table, where, {}, delete=True)
    else:
        execute(target, f"delete from {target.relation(table)} where {where}")


def null_volumes(target, where: str, table: str = "ohlcvt") -> None:
    """Set the volume of the bars matching `where` to NULL, on every engine."""
    if target.is_spark:
        _rewrite_spark_bars(target, table, where, {"volume": f"case when {where} then null else volume end"})
    else:
        execute(target, f"update {target.relation(table)} set volume = null where {where}")


def update_bars(target, where: str, assignments: dict[str, str], table: str = "ohlcvt") -> None:
    """Set columns of the bars matching `where` to SQL expressions of the bar, on every engine."""
    if target.is_spark:
        _rewrite_spark_bars(target, table, where,
                            {c: f"case when {where} then {e} else `{c}` end" for c, e in assignments.items()})
    else:
        execute(target, f"update {target.relation(table)} set "
                        f"{', '.join(f'{c} = {e}' for c, e in assignments.items())} where {where}")


def _rewrite_spark_bars(target, table: str, where: str, columns: dict[str, str], delete: bool = False) -> None:
    """Spark's parquet tables have no DELETE or UPDATE: the bar dates (partitions, as the loader
    writes them) holding a matching bar are rewritten, `columns` replaced by expressions, and a date
    left without bars is dropped (an overwrite cannot empty a partition)."""
    session = connect(target)
    relation = target.relation(table)

    def bar_dates(condition: str) -> set[str]:
        return {str(r[0]) for r in session.sql(f"select distinct bar_date from {relation} where {condition}").collect()}

    dates = bar_dates(where)
    if not dates:
        return
    in_dates = f"bar_date in ({', '.join(repr(d) for d in sorted(dates))})"
    keep = f"not coalesce({where}, false)" if delete else "true"
    names = [c.name for c in session.catalog.listColumns(relation)]
    select = ", ".join(f"{columns.get(name, f'`{name}`')} as `{name}`" for name in names)
    kept = bar_dates(f"{in_dates} and {keep}")
    session.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    session.sql(f"insert overwrite table {relation} partition (bar_date) "
                f"select {select} from {relation} where {in_dates} and {keep}")
    for emptied in sorted(dates - kept):
        session.sql(f"alter table {relation} drop if exists partition (bar_date = '{emptied}')")


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
