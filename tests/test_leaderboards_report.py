"""leaderboards_report.py on the relations it reads, written directly (DuckDB and MariaDB): the JSON
and CSVs, non-finite values, --no-bars, and --out checks made before the work; the cohort profiles
(cohort_profiles: the printout, the JSON's profile fields, cohort_profiles.csv; missing or of another
as_of: none). The models that build these relations are tested in test_leaderboards.py and
test_profiles.py."""

from __future__ import annotations

import csv
import json
import math

import pytest

from helpers import assert_one_line_error, engines_param, execute, query, run_job, unwritable_folder
from pipeline.leaderboards import COHORTS
from pipeline.profile_catalog import FEATURES, profile_columns

MEMBERS = {  # cohort -> (symbol, rank, gains, losses, overlap, 24h price change, 24h volume change, distance, tags)
    "gainers": [("AUSD", 1, 5, 1, 0.2, 4.5, 12.0, 0.3, "trending"), ("BUSD", 2, 4, 2, 0.4, 2.25, None, 0.1, None)],
    "losers": [("CUSD", 1, 1, 6, 0.1, -8.0, -20.5, 0.7, "vol_drop, trending")],
    "overlaps": [],
}
SKEW = [("gainers", "AUSD", "6h", "high", 1.5), ("losers", "CUSD", "24h", "low", None)]
BARS = [("gainers", "AUSD", "2026-11-19 23:58:00", 1.0, 1.5, 0.5, 1.25, 10.0),
        ("gainers", "AUSD", "2026-11-19 23:59:00", 1.25, 1.5, 1.0, 1.5, 0.0),
        ("losers", "CUSD", "2026-11-19 23:59:00", 2.0, 2.5, 1.5, 2.0, None)]


def build(target) -> None:
    """leaderboard_run, habitual_*, leaderboard_skew and cohort_bars, as tables with the models' columns."""
    q = lambda name: f"`{name}`" if target.is_mysql_family else f'"{name}"'  # noqa: E731
    ts = "datetime" if target.is_mysql_family else "timestamp"
    rel = target.relation
    if target.is_mysql_family:
        execute(target, f"create database if not exists {q(target.schema)}")
    execute(target, f"create table {rel('leaderboard_run')} (as_of {ts}, lookback_start {ts}, top_n integer, "
                    "fresh_symbols integer)")
    execute(target, f"insert into {rel('leaderboard_run')} values ('2026-11-20 00:00:00', '2026-11-19 00:00:00', 2, 3)")
    for cohort in COHORTS:
        execute(target, f"create table {rel('habitual_' + cohort)} (symbol varchar(32), {q('rank')} integer, "
                        "gain_count integer, loss_count integer, overlap_score double, price_change_24h double, "
                        "volume_change_24h double, centroid_distance double, profile_tags varchar(200))")
        for m in MEMBERS[cohort]:
            values = ", ".join("null" if v is None else f"'{v}'" if isinstance(v, str) else repr(v) for v in m)
            execute(target, f"insert into {rel('habitual_' + cohort)} values ({values})")
    execute(target, f"create table {rel('leaderboard_skew')} (cohort varchar(16), symbol varchar(32), "
                    "bucket varchar(8), level varchar(8), deviation_pct double)")
    for s in SKEW:
        execute(target, f"insert into {rel('leaderboard_skew')} values ('{s[0]}', '{s[1]}', '{s[2]}', '{s[3]}', "
                        f"{'null' if s[4] is None else s[4]})")
    execute(target, f"create table {rel('cohort_bars')} (cohort varchar(16), symbol varchar(32), "
                    f"{q('timestamp')} {ts}, open double, high double, low double, close double, volume double)")
    for b in BARS:
        execute(target, f"insert into {rel('cohort_bars')} values ('{b[0]}', '{b[1]}', '{b[2]}', {b[3]}, {b[4]}, "
                        f"{b[5]}, {b[6]}, {'null' if b[7] is None else b[7]})")


def expected_document() -> dict:
    titles = {"gainers": "Top Gainers", "losers": "Top Losers", "overlaps": "Top Overlap"}
    doc = {"as_of": "2026-11-20 00:00:00", "lookback_start": "2026-11-19 00:00:00", "top_n": 2, "fresh_symbols": 3}
    for cohort in COHORTS:
        doc[titles[cohort]] = {
            "coins": [{"symbol": m[0], "price_change": m[5], "pct_vol_change": m[6],
                       "skew": m[8].split(", ") if m[8] else [], "profile": None} for m in MEMBERS[cohort]],
            "skew_details": [{"symbol": s[1], "bucket": s[2], "level": s[3], "deviation_pct": s[4]}
                             for s in SKEW if s[0] == cohort]}
    return doc


def bars_csv(path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def report(target, profiles_dir, out, *flags):
    """A real run of leaderboards_report.py (its exit code, stdout and stderr)."""
    return run_job("leaderboards_report.py", "--target", target.name, "--profiles-dir", str(profiles_dir),
                   "--out", str(out), *flags)


@engines_param()
def test_report_writes_the_json_and_the_bars_and_no_bars_skips_them(warehouse, profiles_dir, tmp_path):
    build(warehouse)
    assert report(warehouse, profiles_dir, tmp_path / "all").returncode == 0
    assert json.loads((tmp_path / "all" / "leaderboards_summary.json").read_text()) == expected_document()
    assert bars_csv(tmp_path / "all" / "habitual_gainers.csv") == [
        ["symbol", "timestamp", "open", "high", "low", "close", "volume"],
        ["AUSD", "2026-11-19 23:58:00", "1.0", "1.5", "0.5", "1.25", "10.0"],
        ["AUSD", "2026-11-19 23:59:00", "1.25", "1.5", "1.0", "1.5", "0.0"]]
    assert bars_csv(tmp_path / "all" / "habitual_losers.csv")[1] == ["CUSD", "2026-11-19 23:59:00", "2.0", "2.5",
                                                                      "1.5", "2.0", ""]
    assert len(bars_csv(tmp_path / "all" / "habitual_overlaps.csv")) == 1

    done = report(warehouse, profiles_dir, tmp_path / "json", "--no-bars")
    assert done.returncode == 0
    assert sorted(p.name for p in (tmp_path / "json").iterdir()) == ["leaderboards_summary.json"]
    assert json.loads((tmp_path / "json" / "leaderboards_summary.json").read_text()) == expected_document()
    assert "Top Losers" in done.stdout


@engines_param()
def test_report_out_that_is_a_file_or_unwritable(warehouse, profiles_dir, tmp_path):
    build(warehouse)
    plain = tmp_path / "plain.txt"
    plain.write_text("keep\n")
    for out in (plain, plain / "sub"):
        done = report(warehouse, profiles_dir, out)
        assert done.returncode == 2
        assert_one_line_error(done.stderr, f"--out {out}", only_line=True)
    assert plain.read_text() == "keep\n"
    locked = unwritable_folder(tmp_path / "locked")
    try:
        done = run_job("leaderboards_report.py", "--target", warehouse.name, "--profiles-dir", str(profiles_dir),
                       "--out", str(locked), obey_modes=True)
        assert done.returncode == 2
        assert_one_line_error(done.stderr, f"--out {locked}", "cannot write", only_line=True)
        assert done.stdout == ""  # stopped before reading the leaderboards
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


@engines_param()
def test_report_with_infinite_values(warehouse, profiles_dir, tmp_path):
    """Infinite figures are null in the JSON and empty cells in the CSVs. MariaDB cannot hold them
    (a DOUBLE column refuses an overflow), so there only that refusal is checked."""
    build(warehouse)
    rel = warehouse.relation
    if warehouse.is_mysql_family:
        from pymysql.err import OperationalError

        with pytest.raises(OperationalError, match="out of range"):
            execute(warehouse, f"update {rel('habitual_losers')} set price_change_24h = 1e308 * 10")
        return
    execute(warehouse, f"update {rel('habitual_losers')} set price_change_24h = 'inf'::double, "
                       "volume_change_24h = '-inf'::double")
    execute(warehouse, f"update {rel('leaderboard_skew')} set deviation_pct = 'inf'::double where symbol = 'AUSD'")
    execute(warehouse, f"update {rel('cohort_bars')} set volume = 'inf'::double, high = 'nan'::double "
                       "where symbol = 'CUSD'")
    assert query(warehouse, f"select price_change_24h from {rel('habitual_losers')}") == [(math.inf,)]
    assert report(warehouse, profiles_dir, tmp_path).returncode == 0
    text = (tmp_path / "leaderboards_summary.json").read_text()
    assert "Infinity" not in text and "NaN" not in text
    doc = json.loads(text)
    expected = expected_document()
    expected["Top Losers"]["coins"][0].update(price_change=None, pct_vol_change=None)
    expected["Top Gainers"]["skew_details"][0]["deviation_pct"] = None
    assert doc == expected
    assert bars_csv(tmp_path / "habitual_losers.csv")[1] == ["CUSD", "2026-11-19 23:59:00", "2.0", "", "1.5", "2.0",
                                                             ""]
    # an infinite profile figure: null in the JSON, an empty cell in cohort_profiles.csv
    build_profiles(warehouse)
    execute(warehouse, f"update {rel('cohort_profiles')} set rsi_14_z = 'inf'::double where symbol = 'AUSD'")
    assert report(warehouse, profiles_dir, tmp_path / "profiles", "--no-bars").returncode == 0
    profile = json.loads((tmp_path / "profiles" / "leaderboards_summary.json").read_text())["Top Gainers"]["coins"][0]
    assert profile["profile"]["intervals"]["1h"]["rsi_14"] == {"value": 71.5, "pctile": 93.25, "z": None}
    table = bars_csv(tmp_path / "profiles" / "cohort_profiles.csv")
    assert table[1][table[0].index("rsi_14_z")] == ""


# cohort_profiles rows: (cohort, symbol, interval, as_of, candle_at, {column: value}); the rest NULL
PROFILE_AS_OF = "2026-11-20 00:00:00"
PROFILES = [
    ("gainers", "AUSD", "1h", PROFILE_AS_OF, "2026-11-19 23:00:00",
     {"rsi_14": 71.5, "rsi_14_pctile": 93.25, "rsi_14_z": 1.75, "natr_14": 2.5, "natr_14_pctile": 40.0,
      "volume_ratio_20": 3.125, "volume_ratio_20_pctile": 99.5, "baseline_n": 2160, "regime": "trend_up",
      "rv_30d": 0.75, "drawdown_90d": -0.125, "ma_trend": 1}),
    ("gainers", "AUSD", "1d", PROFILE_AS_OF, "2026-11-19 00:00:00",
     {"rsi_14": 64.0, "natr_14": 5.5, "natr_14_pctile": 61.0, "baseline_n": 90, "regime": "trend_up",
      "rv_30d": 0.75, "drawdown_90d": -0.125, "ma_trend": 1}),
    ("losers", "CUSD", "1h", PROFILE_AS_OF, "2026-11-19 23:00:00",
     {"rsi_14": 20.0, "baseline_n": 12}),
]


def build_profiles(target, rows=PROFILES) -> None:
    """cohort_profiles as a table with the model's columns (every column named by the catalogue); on Spark too
    (tests/test_spark_jobs.py), where a table is parquet and a time needs a timestamp literal."""
    q = (lambda name: f"`{name}`") if target.is_mysql_family or target.is_spark else (lambda name: f'"{name}"')
    ts = "datetime" if target.is_mysql_family else "timestamp"
    types = {"cohort": "varchar(16)", "symbol": "varchar(32)", "interval": "varchar(8)", "as_of": ts,
             "candle_at": ts, "baseline_n": "bigint", "ma_trend": "bigint", "regime": "varchar(16)"}
    columns = list(profile_columns())
    ddl = ", ".join(f"{q(c)} {types.get(c, 'double')}" for c in columns)
    execute(target, f"create table {target.relation('cohort_profiles')} ({ddl})"
                    + (" using parquet" if target.is_spark else ""))
    time_literal = "timestamp " if target.is_spark else ""
    for cohort, symbol, interval, as_of, candle_at, values in rows:
        given = {"cohort": cohort, "symbol": symbol, "interval": interval, "as_of": as_of, "candle_at": candle_at,
                 **values}
        literals = ", ".join("null" if given.get(c) is None
                             else f"{time_literal if c in ('as_of', 'candle_at') else ''}'{given[c]}'"
                             if isinstance(given[c], str) else repr(given[c]) for c in columns)
        execute(target, f"insert into {target.relation('cohort_profiles')} values ({literals})")


def expected_profile(rows) -> dict:
    doc = {"regime": rows[0][5].get("regime"), "rv_30d": rows[0][5].get("rv_30d"),
           "drawdown_90d": rows[0][5].get("drawdown_90d"), "ma_trend": rows[0][5].get("ma_trend"), "intervals": {}}
    for _, _, interval, _, candle_at, values in rows:
        entry = {"candle_at": candle_at, "baseline_n": values["baseline_n"]}
        for feature in FEATURES:
            entry[feature] = {"value": values.get(feature), "pctile": values.get(f"{feature}_pctile"),
                              "z": values.get(f"{feature}_z")}
        doc["intervals"][interval] = entry
    return doc


@engines_param()
def test_report_prints_and_exports_the_profiles(warehouse, profiles_dir, tmp_path):
    build(warehouse)
    build_profiles(warehouse)
    done = report(warehouse, profiles_dir, tmp_path / "out", "--no-bars")
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "out" / "leaderboards_summary.json").read_text())
    expected = expected_document()
    expected["Top Gainers"]["coins"][0]["profile"] = expected_profile(PROFILES[:2])
    expected["Top Losers"]["coins"][0]["profile"] = expected_profile(PROFILES[2:])
    assert doc == expected
    assert doc["Top Losers"]["coins"][0]["profile"]["regime"] is None  # null where undefined, never NaN

    table = bars_csv(tmp_path / "out" / "cohort_profiles.csv")
    assert table[0] == list(profile_columns())
    assert [(r[0], r[1], r[2]) for r in table[1:]] == [(p[0], p[1], p[2]) for p in PROFILES]
    row = dict(zip(table[0], table[1], strict=True))
    assert (row["rsi_14"], row["rsi_14_pctile"], row["adx_14"], row["baseline_n"]) == ("71.5", "93.25", "", "2160")
    assert row["candle_at"] == "2026-11-19 23:00:00"

    lines = done.stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("-- profiles, Top Gainers")))
    assert lines[start + 1].split() == ["symbol", "regime", "RSI", "1h", "NATR", "1h", "RSI", "1d", "NATR", "1d",
                                        "volume", "ratio", "1h"]
    assert lines[start + 3].split() == ["AUSD", "trend_up", "71.5", "(p93)", "2.5", "(p40)", "64.0", "5.5", "(p61)",
                                        "3.12x", "(p100)"]
    assert lines[start + 4].split() == ["BUSD", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"]


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_report_without_current_profiles(warehouse, profiles_dir, tmp_path):
    """DuckDB (Python logic only): cohort_profiles of another as_of (the leaderboards ran again without it) is not
    shown: the printout names the command, the JSON's profiles are null and no cohort_profiles.csv is written."""
    build(warehouse)
    build_profiles(warehouse, [(*p[:3], "2026-11-19 18:00:00", *p[4:]) for p in PROFILES])
    done = report(warehouse, profiles_dir, tmp_path / "out", "--no-bars")
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "out" / "leaderboards_summary.json").read_text()) == expected_document()
    assert not (tmp_path / "out" / "cohort_profiles.csv").exists()
    assert "cohort_profiles is as of 2026-11-19 18:00:00" in done.stdout
    assert "dbt run --select profiles" in done.stdout
