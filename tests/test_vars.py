"""Vars are checked before anything runs: a bad one stops dbt with one line naming it (exit 2 from
the dbt CLI, JobFailed here), and nothing reaches SQL from it.

- SQL metacharacters (quotes, backticks, semicolons, comment markers) in the vars that name the
  bars table and its schema: on DuckDB and a real MariaDB, dbt refuses them with the var's name
  and the bars table is untouched (before the check, `ohlcvt" where false; drop table ohlcvt; --`
  dropped it on DuckDB). `dbt source freshness` with such a var touches nothing either.
- Values that used to run with a silently different meaning (`top_n: 2.7` ran with 2) or end in a
  Jinja traceback (`as_of: 2026-13-45`, `lookback_days: 100000000`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from helpers import engines_param, query
from pipeline import dbt_runner
from pipeline.bars import validate_frame
from pipeline.errors import JobFailed
from pipeline.loader import load_batches
from pipeline.synthetic import generate

HOSTILE_NAMES = [
    'ohlcvt" where false; drop table ohlcvt; --',
    "ohlcvt` where false; drop table ohlcvt; /*",
    "ohlcvt'; delete from ohlcvt; #",
    "ohlcvt\n",  # a regex's $ also matches before a final newline
]


def load_some_bars(target) -> int:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    batches = [validate_frame(spec.symbol, frame) for spec, frame in generate(2, 1, end=end, seed=4)]
    return load_batches(target, batches).rows


@engines_param()
def test_hostile_table_and_schema_vars_are_refused(warehouse, profiles_dir, tmp_path):
    target = warehouse
    bars = load_some_bars(target)
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    for name in ("ohlcvt_table", "ohlcvt_schema"):
        for value in HOSTILE_NAMES:
            with pytest.raises(JobFailed, match=rf"var {name}: expected a plain table or schema name") as failure:
                dbt_runner.invoke(["run", "--select", "+int_bars_6h"], vars={name: value}, **common)
            line = next(text for text in str(failure.value).splitlines() if f"var {name}:" in text)
            assert json.dumps(value) in line, "the one-line message names the value as given"
    # freshness compiles the source relation itself: it stops at the same check
    for name in ("ohlcvt_table", "ohlcvt_schema"):
        with pytest.raises(JobFailed, match=rf"var {name}: expected a plain table or schema name"):
            dbt_runner.invoke(["source", "freshness"], vars={name: HOSTILE_NAMES[0]}, **common)
    assert query(target, f"select count(*) from {target.relation('ohlcvt')}")[0][0] == bars
    tables = {r[0] for r in query(target, "select table_name from information_schema.tables "
                                          f"where table_schema = '{target.schema}'")}
    assert "int_bars_6h" not in tables, "a model ran although a var was refused"


BAD_VARS = [
    ({"ohlcvt_table": None}, "var ohlcvt_table: must be set to a table name"),
    ({"ohlcvt_schema": "  x"}, "var ohlcvt_schema: expected a plain table or schema name"),
    ({"bar_value_limits": {"min_price": 1, "max_price": ".inf", "max_volume": 1, "max_trades": 1}},
     "var bar_value_limits: expected a finite positive number for max_price"),
    ({"bar_value_limits": {"min_price": True, "max_price": 1, "max_volume": 1, "max_trades": 1}},
     "var bar_value_limits: expected a finite positive number for min_price"),
    ({"bar_value_limits": {"min_price": 2, "max_price": 1, "max_volume": 1, "max_trades": 1}},
     "var bar_value_limits: min_price must be below max_price"),
    ({"quarantine_error_share": 1.5}, "var quarantine_error_share: expected a share between 0 and 1"),
    ({"top_n": 2.7}, "var top_n: expected a whole number"),
    ({"top_n": "20; drop table ohlcvt"}, "var top_n: expected a whole number"),
    ({"top_n": 0}, "var top_n: expected a whole number at least 1"),
    ({"lookback_days": 100000000}, "var lookback_days: expected a whole number at least 1 and at most 3650"),
    ({"fresh_within_hours": 1.5}, "var fresh_within_hours: expected a whole number"),
    ({"fresh_within_hours": 24 * 30 + 1}, r"var fresh_within_hours \(721\) must not exceed lookback_days"),
    ({"as_of": "2026-13-45"}, "var as_of: expected a UTC time .* \\(no such time\\)"),
    ({"as_of": "2026-02-30 10:00"}, "var as_of: expected a UTC time .* \\(no such date\\)"),
    ({"as_of": "yesterday"}, "var as_of: expected a UTC time"),
    ({"recompute_from": "2026-11-31"}, "var recompute_from: expected a UTC time .* \\(no such date\\)"),
    ({"leaderboard_window_hours": [6.5, 24]}, "var leaderboard_window_hours: each window must be"),
    ({"leaderboard_window_hours": {"a": 6}}, "var leaderboard_window_hours: expected a list of hours"),
    ({"complete_windows_only": "sometimes"}, "var complete_windows_only: expected true or false"),
    ({"keep_scratch": "maybe"}, "var keep_scratch: expected true or false"),
    ({"ohlcvt_has_trades": "perhaps"}, "var ohlcvt_has_trades: expected true or false"),
    ({"session_memory_mb": "4096 mb"}, "var session_memory_mb: expected a whole number"),
]


@engines_param()
def test_bad_vars_stop_dbt_with_one_line_naming_the_var(warehouse, profiles_dir, tmp_path):
    common = {"target": warehouse.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    for bad, message in BAD_VARS:
        with pytest.raises(JobFailed, match=message) as failure:
            dbt_runner.invoke(["run", "--select", "stg_ohlcvt"], vars=bad, **common)
        assert "Traceback" not in str(failure.value)
        assert len([line for line in str(failure.value).splitlines() if line.strip().startswith("var ")]) == 1, \
            str(failure.value)


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_edge_values_that_are_accepted(warehouse, profiles_dir, tmp_path):
    """fresh_within_hours equal to the lookback is accepted and passes leaderboard_run's own test."""
    load_some_bars(warehouse)
    common = {"target": warehouse.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    result = dbt_runner.invoke(["build", "--select", "+leaderboard_run"], **common,
                               vars={"lookback_days": 2, "fresh_within_hours": 48, "top_n": "3",
                                     "as_of": "2030-01-01T00:00Z", "complete_windows_only": "YES"})
    assert set(dbt_runner.statuses(result).values()) <= {"success", "pass"}
    assert query(warehouse, "select lookback_days, fresh_within_hours, top_n, complete_windows_only "
                            "from leaderboard_run") == [(2, 48, 3, 1)]


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_the_default_as_of_is_the_run_start_in_utc(warehouse, profiles_dir, tmp_path):
    load_some_bars(warehouse)
    common = {"target": warehouse.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    dbt_runner.invoke(["run", "--select", "+leaderboard_run"], **common)
    after = datetime.now(UTC).replace(tzinfo=None)
    (as_of,), = query(warehouse, "select as_of from leaderboard_run")
    assert before <= as_of <= after and as_of.microsecond == 0
