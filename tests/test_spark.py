"""Spark's own parts: its targets resolve as dbt reads them, and load_bars.py writes the bars table
on Spark (parquet, partitioned by bar date) idempotently and atomically.

The load runs the command's main in this process: a process of its own would start a JVM of its
own (20-40 s), and the tests' Spark catalog lives in this process (conftest.py). The models on
Spark are in test_leaderboards.py.
"""

from __future__ import annotations

import runpy

import pytest

from helpers import GOOD_KRAKEN, JOBS, assert_one_line_error, execute, query, write
from pipeline import cli
from pipeline.errors import UsageError
from pipeline.project import PROJECT_ROOT
from pipeline.warehouse import connect, load_target, param, quote_ident, spark_conf

LOAD_BARS = runpy.run_path(str(JOBS / "load_bars.py"))["main"]

HEADER_CSV = (
    "symbol,timestamp,open,high,low,close,volume,trades\n"
    "ETHUSD,2023-11-15 23:59:00,2000,2010,1990,2005,3.5,12\n"
    "ETHUSD,2023-11-16 00:00:00,2005,2006,2001,2002,1.25,\n"
)
SPARK_BARS_TABLE = (
    "create table {relation} (symbol string, timestamp timestamp, open double, high double, "
    "low double, close double, volume double, trades {trades}{partition_column}) using parquet"
    "{partitioned}"
)


def test_spark_targets_resolve_as_dbt_reads_them(profiles_dir, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    for name in ("SPARK_SCHEMA", "SPARK_MASTER", "SPARK_CATALOG", "PYSPARK_PYTHON", "SPARK_DRIVER_JAVA_OPTIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPARK_WAREHOUSE_DIR", "data/spark_here")
    target = load_target("spark")
    assert (target.type, target.method, target.schema) == ("spark", "session", "analytics")
    conf = spark_conf(target)
    # relative folders are the project's, as dbt run from the project folder reads them
    assert conf["spark.sql.warehouse.dir"] == str(PROJECT_ROOT / "data" / "spark_here" / "warehouse")
    derby_home = PROJECT_ROOT / "data" / "spark_here"
    assert conf["spark.driver.extraJavaOptions"].strip() == f"-Dderby.system.home={derby_home}"
    assert conf["spark.pyspark.python"] == str(PROJECT_ROOT / ".venv" / "bin" / "python")
    assert (conf["spark.master"], conf["spark.sql.catalogImplementation"], conf["spark.sql.session.timeZone"]) == (
        "local[*]",
        "hive",
        "UTC",
    )
    assert (quote_ident(target, "rank"), param(target)) == ("`rank`", "?")

    monkeypatch.setenv("SPARK_THRIFT_HOST", "spark.example")
    monkeypatch.setenv("SPARK_THRIFT_PORT", "10001")
    thrift = load_target("spark_thrift")
    assert (thrift.method, thrift.host, thrift.port, thrift.user) == ("thrift", "spark.example", 10001, "dbt")
    with pytest.raises(UsageError, match="need `method: session`"):
        connect(thrift)


def snapshot(target) -> list[tuple]:
    return query(
        target,
        "select symbol, unix_seconds(timestamp), open, high, low, close, volume, trades, "
        f"cast(bar_date as string) from {target.relation('ohlcvt')} order by symbol, 2",
    )


def one_error_line(stderr: str) -> str:
    return assert_one_line_error("\n".join(line for line in stderr.splitlines() if " WARN " not in line))


def load(target, *paths) -> int:
    """load_bars.py's exit code, run in this process."""
    return cli.run(LOAD_BARS, [*map(str, paths), "--target", target.name])


@pytest.mark.spark
@pytest.mark.parametrize("warehouse", ["spark"], indirect=True)
def test_load_bars_on_spark(warehouse, tmp_path, capsys):
    kraken = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    header = write(tmp_path / "more.csv", HEADER_CSV)
    for _ in range(2):  # loading the same bars again leaves one copy
        assert load(warehouse, kraken, header) == 0
    first = [
        ("ETHUSD", 1700092740, 2000.0, 2010.0, 1990.0, 2005.0, 3.5, 12, "2023-11-15"),
        ("ETHUSD", 1700092800, 2005.0, 2006.0, 2001.0, 2002.0, 1.25, None, "2023-11-16"),
        ("XBTUSD", 1700000040, 1.0, 1.2, 0.9, 1.1, 10.5, 3, "2023-11-14"),
        ("XBTUSD", 1700000100, 1.1, 1.3, 1.0, 1.2, 0.0, 0, "2023-11-14"),
        ("XBTUSD", 1700000160, 1.2, 1.25, 1.15, 1.2, 7.25, 2, "2023-11-14"),
    ]
    assert snapshot(warehouse) == first
    partitions = [r[0] for r in query(warehouse, f"show partitions {warehouse.relation('ohlcvt')}")]
    assert partitions == ["bar_date=2023-11-14", "bar_date=2023-11-15", "bar_date=2023-11-16"]

    # a changed bar and a new one: replaced and added; the other dates' bars stay as they were
    write(
        kraken,
        GOOD_KRAKEN.replace("1.2,1.25,1.15,1.2,7.25,2", "1.2,1.3,1.15,1.25,9.5,4")
        + "1700000220,1.25,1.3,1.2,1.3,1,1\n",
    )
    assert load(warehouse, kraken) == 0
    second = [
        *first[:4],
        ("XBTUSD", 1700000160, 1.2, 1.3, 1.15, 1.25, 9.5, 4, "2023-11-14"),
        ("XBTUSD", 1700000220, 1.25, 1.3, 1.2, 1.3, 1.0, 1, "2023-11-14"),
    ]
    assert snapshot(warehouse) == second

    # a good file then a corrupt one: nothing of either lands, exit 2 naming the line
    other = write(tmp_path / "SOLUSD_1.csv", GOOD_KRAKEN)
    bad = write(tmp_path / "ADAUSD_1.csv", GOOD_KRAKEN.replace("1.3,1.0", "1.3,abc"))
    capsys.readouterr()
    assert load(warehouse, other, bad) == 2
    assert f"ERROR {bad}: line 2: low is not a number ('abc')" in capsys.readouterr().err
    assert snapshot(warehouse) == second


@pytest.mark.spark
@pytest.mark.parametrize("warehouse", ["spark"], indirect=True)
def test_spark_load_failing_in_the_write_leaves_the_table_unchanged(warehouse, tmp_path, capsys):
    """The bars pass validation, then Spark fails the job that writes them (a user's table with an int
    trade count, and a count past it): the table keeps the bars it had, on every date."""
    relation = warehouse.relation("ohlcvt")
    execute(warehouse, f"create database if not exists {quote_ident(warehouse, warehouse.schema)}")
    execute(
        warehouse,
        SPARK_BARS_TABLE.format(
            relation=relation,
            trades="int",
            partition_column=", bar_date date",
            partitioned=" partitioned by (bar_date)",
        ),
    )
    kraken = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    assert load(warehouse, kraken) == 0
    before = snapshot(warehouse)
    write(kraken, GOOD_KRAKEN.replace("1.0,1.2,0.9,1.1,10.5,3", "1.0,1.4,0.9,1.3,99.5,9"))
    too_many = write(tmp_path / "ETHUSD_1.csv", "1700092800,1,1,1,1,1,3000000000\n")  # another date
    capsys.readouterr()
    assert load(warehouse, kraken, too_many) == 1
    assert "failed, nothing was written" in one_error_line(capsys.readouterr().err)
    assert snapshot(warehouse) == before


@pytest.mark.spark
@pytest.mark.parametrize("warehouse", ["spark"], indirect=True)
def test_spark_load_refuses_a_table_it_could_damage(warehouse, tmp_path, capsys):
    """A load rewrites whole bar dates: into a table not partitioned by bar_date it would drop the
    bars it does not replace, so it refuses (exit 2, one line), as it refuses a table without a price."""
    relation = warehouse.relation("ohlcvt")
    execute(warehouse, f"create database if not exists {quote_ident(warehouse, warehouse.schema)}")
    execute(warehouse, SPARK_BARS_TABLE.format(relation=relation, trades="bigint", partition_column="", partitioned=""))
    execute(warehouse, f"insert into {relation} values ('XBTUSD', timestamp'2020-01-01 00:00:00', 1, 1, 1, 1, 1, 1)")
    kraken = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    capsys.readouterr()
    assert load(warehouse, kraken) == 2
    assert f"table {relation} is partitioned by (nothing), not (bar_date)" in one_error_line(capsys.readouterr().err)
    assert query(warehouse, f"select count(*) from {relation}") == [(1,)]

    execute(warehouse, f"drop table {relation}")
    execute(
        warehouse,
        f"create table {relation} (symbol string, timestamp timestamp, open double, bar_date date) "
        "using parquet partitioned by (bar_date)",
    )
    capsys.readouterr()
    assert load(warehouse, kraken) == 2
    assert one_error_line(capsys.readouterr().err).endswith(
        f"ERROR table {relation} lacks column(s) high, low, close, volume"
    )
