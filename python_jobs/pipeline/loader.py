"""Loading validated bars into the warehouse's `ohlcvt` table, atomically and idempotently.

Every batch is validated (see bars.py) and everything is written in one transaction that
replaces bars already present; a batch that fails validation rolls the transaction back, so the
table is left exactly as it was. Files are validated in worker threads while the engine loads
the ones before them.

* MySQL/MariaDB: ``LOAD DATA LOCAL INFILE ... REPLACE`` per batch, reading the original file
  when its layout allows (Kraken files and canonical CSV), else a normalised temporary file.
  The table's primary key (symbol, timestamp) makes REPLACE an upsert.
* DuckDB: one ``delete ... where (symbol, timestamp) in (new bars)`` and one ``insert``. The table
  has no primary-key index on DuckDB: its ART index makes bulk inserts 5x slower (see
  docs/loading.md); the loader and the dbt grain test keep the key unique instead.
* Spark: a parquet table partitioned by the bar's UTC date (``bar_date``; docs/scale.md says why).
  The validated batches are staged as parquet files (written by DuckDB, which needs no Arrow), then
  the dates they touch are rewritten with one dynamic ``insert overwrite``: each date's stored bars
  the load does not replace, plus the new ones. Spark writes the new partitions into a staging
  folder of the table and swaps them in when the job commits, so a failure before the commit
  leaves the table as it was; parquet has no transaction across partitions beyond that commit.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import numpy as np
import pandas as pd

from .bars import BarBatch, read_bar_file
from .errors import JobFailed, UsageError
from .project import project_var
from .warehouse import Target, connect, param, quote_ident, read_rows, relation_exists, spark_conf

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("symbol", "timestamp", "open", "high", "low", "close", "volume")

MYSQL_DDL = """
create table if not exists {relation} (
    symbol varchar(32) character set utf8mb4 collate utf8mb4_bin not null,
    timestamp datetime not null,
    open double not null,
    high double not null,
    low double not null,
    close double not null,
    volume double null,
    trades bigint null,
    primary key (symbol, timestamp)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_bin
"""

# The partition column is last: Spark stores a table's partition columns after the others.
SPARK_DDL = """
create table if not exists {relation} (
    symbol string not null,
    timestamp timestamp not null,
    open double not null,
    high double not null,
    low double not null,
    close double not null,
    volume double,
    trades bigint,
    bar_date date not null
) using parquet partitioned by (bar_date)
"""
SPARK_PARTITION_COLUMN = "bar_date"

DUCKDB_DDL = """
create table if not exists {relation} (
    symbol varchar not null,
    timestamp timestamp not null,
    open double not null,
    high double not null,
    low double not null,
    close double not null,
    volume double,
    trades bigint
)
"""


@dataclass
class LoadReport:
    rows: int = 0
    replaced: int | None = 0  # None where the engine does not say (MySQL/MariaDB REPLACE)
    batches: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


DEFAULT_LOCK_TIMEOUT = 300.0  # seconds a DuckDB load waits for another process to let go of the file


def default_table() -> str:
    return str(project_var("ohlcvt_table"))


def default_schema(target: Target) -> str:
    """The var ohlcvt_schema; null means the target's schema, as the dbt source reads it."""
    return str(project_var("ohlcvt_schema") or target.schema)


def newest_bar_times(target: Target, symbols: list[str]) -> dict[str, int]:
    """Each symbol's newest bar in the bars table (unix seconds); symbols without bars are absent."""
    table, schema = default_table(), default_schema(target)
    if not relation_exists(target, table, schema):
        return {}
    ts = quote_ident(target, "timestamp")
    sql = (f"select symbol, max({ts}) from {target.relation(table, schema)} "
           f"where symbol in ({', '.join([param(target)] * len(symbols))}) group by symbol")
    return {s: int(t.replace(tzinfo=UTC).timestamp()) for s, t in read_rows(target, sql, symbols)[1] if t is not None}


# The rule dbt applies to the same names (macros/vars/checked_vars.sql, identifier_var), so the
# loader never writes a table the models refuse to read. Names are quoted in SQL all the same.
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def check_identifier(what: str, name: str) -> str:
    """`name` if it is a plain table or schema name; else a UsageError naming `what` (a flag or var)."""
    if not PLAIN_NAME.fullmatch(name):
        raise UsageError(f"{what}: expected a plain table or schema name (letters, digits and _, not starting "
                         f"with a digit, at most 64 characters), got {name!r}")
    return name


def ensure_table(con, target: Target, table: str, schema: str) -> list[str]:
    """Create the bars table if missing; return its columns. Checks a user's own table fits."""
    relation = target.relation(table, schema)
    try:
        return _ensure_table(con, target, table, schema, relation)
    except (UsageError, JobFailed):
        raise
    except Exception as exc:  # the server refused (permissions, a view of that name): one line, exit 1
        raise JobFailed(f"cannot create or read table {relation}, nothing was written: {_one_line(exc)}") from exc


def _ensure_table(con, target: Target, table: str, schema: str, relation: str) -> list[str]:
    if target.is_spark:
        return _ensure_spark_table(con, target, schema, relation)
    if target.is_mysql_family:
        with con.cursor() as cur:
            cur.execute(f"create database if not exists {quote_ident(target, schema)} "
                        "character set utf8mb4 collate utf8mb4_bin")
            cur.execute(MYSQL_DDL.format(relation=relation))
            cur.execute(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                (schema, table))
            columns = [str(r[0]).lower() for r in cur.fetchall()]
            cur.execute(
                "select index_name, group_concat(column_name order by seq_in_index) "
                "from information_schema.statistics where table_schema = %s and table_name = %s "
                "and non_unique = 0 group by index_name", (schema, table))
            unique_keys = {str(cols).lower() for _, cols in cur.fetchall()}
        con.commit()
        if "symbol,timestamp" not in unique_keys and "timestamp,symbol" not in unique_keys:
            raise UsageError(
                f"table {relation} has no primary key or unique index on (symbol, timestamp), "
                f"so a reload would duplicate bars. Add one: alter table {relation} add primary key "
                "(symbol, timestamp)")
    else:
        con.execute(f"create schema if not exists {quote_ident(target, schema)}")
        con.execute(DUCKDB_DDL.format(relation=relation))
        columns = [str(r[0]).lower() for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = ? order by ordinal_position", [schema, table]).fetchall()]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise UsageError(f"table {relation} lacks column(s) {', '.join(missing)}")
    return columns


def _ensure_spark_table(session, target: Target, schema: str, relation: str) -> list[str]:
    session.sql(f"create database if not exists {quote_ident(target, schema)}")
    session.sql(SPARK_DDL.format(relation=relation))
    described = session.catalog.listColumns(relation)
    columns = [c.name.lower() for c in described]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise UsageError(f"table {relation} lacks column(s) {', '.join(missing)}")
    partitions = [c.name.lower() for c in described if c.isPartition]
    if partitions != [SPARK_PARTITION_COLUMN]:
        # a load rewrites whole partitions: into another layout it could drop bars it does not replace
        raise UsageError(f"table {relation} is partitioned by ({', '.join(partitions) or 'nothing'}), not "
                         f"({SPARK_PARTITION_COLUMN}): load into a new table, or rebuild this one as "
                         f"docs/scale.md shows")
    return columns


def load_files(target: Target, paths: list[Path], *, table: str | None = None, schema: str | None = None,
               workers: int = 2, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> LoadReport:
    """Validate and load bar files; a bad file leaves the table unchanged (raises BarFileError)."""
    with ValidationPipeline(paths, workers=workers, keys_only_when_direct=target.is_mysql_family) as batches:
        return load_batches(target, batches, table=table, schema=schema, lock_timeout=lock_timeout)


def _read_for_load(path: Path, keys_only_when_direct: bool) -> BarBatch:
    batch = read_bar_file(path)
    if keys_only_when_direct and batch.layout is not None and batch.layout.direct:
        return batch.keys_only()  # the engine reads the file itself: ship back the keys only
    return batch


class ValidationPipeline:
    """Validates files in worker processes, off the loading thread's GIL, yielding them in order.

    The workers are forked on entering, before any database connection exists in this process.
    One file, or workers <= 1, is validated in this process.
    """

    def __init__(self, paths: list[Path], *, workers: int = 2, keys_only_when_direct: bool = False):
        self.paths, self.workers, self.keys_only = list(paths), workers, keys_only_when_direct
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque = deque()
        self.queue = iter(self.paths)

    def __enter__(self) -> Iterator[BarBatch]:
        if len(self.paths) > 1 and self.workers > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
            for path in self.queue:
                self.pending.append(self.pool.submit(_read_for_load, path, self.keys_only))
                if len(self.pending) >= 2 * self.workers:
                    break
        return self._batches()

    def _batches(self) -> Iterator[BarBatch]:
        if self.pool is None:
            for path in self.queue:
                yield _read_for_load(path, self.keys_only)
            return
        while self.pending:
            batch = self.pending.popleft().result()
            next_path = next(self.queue, None)
            if next_path is not None:
                self.pending.append(self.pool.submit(_read_for_load, next_path, self.keys_only))
            yield batch

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            for future in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True, cancel_futures=True)


def load_batches(
    target: Target,
    batches: Iterable[BarBatch],
    *,
    table: str | None = None,
    schema: str | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> LoadReport:
    """Write batches in one transaction, replacing bars already stored.

    `batches` may be lazy: an exception while producing one (a file failing validation) rolls
    back everything written before it.
    """
    table = check_identifier("var ohlcvt_table", default_table()) if table is None else check_identifier("table", table)
    schema = (check_identifier("schema (var ohlcvt_schema or the target's)", default_schema(target)) if schema is None
              else check_identifier("schema", schema))
    report = LoadReport()
    started = time.perf_counter()
    con = connect_waiting(target, lock_timeout)
    try:
        columns = ensure_table(con, target, table, schema)
        with_trades = "trades" in columns
        if target.is_mysql_family:
            _load_mysql(con, target, batches, target.relation(table, schema), with_trades, report)
        elif target.is_spark:
            _load_spark(con, target, batches, target.relation(table, schema), columns, report)
        else:
            _load_duckdb(con, batches, target.relation(table, schema), with_trades, report)
    finally:
        if not target.is_spark:  # the SparkSession is the process's, shared with dbt: never stopped here
            con.close()
    report.seconds = time.perf_counter() - started
    return report


def connect_waiting(target: Target, lock_timeout: float):
    """connect(), but on DuckDB wait up to `lock_timeout` seconds while another process holds the file.

    DuckDB lets one process open a file for writing; a load that starts while another job (dbt,
    a second load) has it open waits for it rather than failing at once.
    """
    if target.type != "duckdb":
        return connect(target)
    deadline = time.monotonic() + max(lock_timeout, 0.0)
    delay, next_log = 0.05, 0.0
    while True:
        try:
            return connect(target)
        except JobFailed as exc:
            holder = _lock_holder(exc.__cause__)
            if holder is None:
                raise
            now = time.monotonic()
            if now >= deadline:
                raise JobFailed(
                    f"load skipped, nothing was written: {target.path} is still held by another process "
                    f"({holder}) after waiting {lock_timeout:g} s") from None
            if now >= next_log:
                log.warning("%s is held by another process (%s): waiting up to %.0f s more for it",
                            target.path, holder, deadline - now)
                next_log = now + 30
            time.sleep(min(delay, deadline - now))
            delay = min(delay * 2, 1.0)


def _one_line(exc: BaseException) -> str:
    """A driver's error as one line (DuckDB adds the statement's context on further lines)."""
    text = str(exc.args[-1]) if type(exc).__module__.startswith("pymysql") and exc.args else str(exc)
    return (text.splitlines() or [type(exc).__name__])[0]


def _lock_holder(exc: BaseException | None) -> str | None:
    """Who holds a DuckDB file ('PID 1234'), when `exc` is DuckDB's lock conflict; else None."""
    text = str(exc or "")
    if "Could not set lock" not in text:
        return None
    match = re.search(r"\(PID (\d+)\)", text)
    return f"PID {match.group(1)}" if match else "unknown process"


# ----------------------------------------------------------------------------- DuckDB


def _load_duckdb(con, batches: Iterable[BarBatch], relation: str, with_trades: bool,
                 report: LoadReport) -> None:
    """Stage every batch in a temporary table, then replace the staged keys in one transaction."""
    guard = DuplicateGuard()
    trades = ", trades" if with_trades else ""
    con.execute("create or replace temp table incoming_bars (symbol varchar, timestamp timestamp, open double, "
                "high double, low double, close double, volume double, trades bigint)")
    try:
        for batch in batches:
            guard.add(batch)
            con.register("batch_frame", batch.frame)
            con.execute("insert into incoming_bars select cast(symbol as varchar), make_timestamp(ts * 1000000), "
                        "open, high, low, close, volume, trades from batch_frame")
            con.unregister("batch_frame")
            report.batches += 1
            report.rows += batch.rows
            if report.batches % 25 == 0:
                log.info("validated %d inputs, %s bars", report.batches, f"{report.rows:,}")
        if not report.rows:
            return
        con.execute("begin transaction")
        try:
            replaced = con.execute(
                f"delete from {relation} where (symbol, timestamp) in "
                "(select symbol, timestamp from incoming_bars)").fetchone()[0]
            con.execute(
                f"insert into {relation} (symbol, timestamp, open, high, low, close, volume{trades}) "
                f"select symbol, timestamp, open, high, low, close, volume{trades} from incoming_bars")
            con.execute("commit")
        except Exception as exc:
            con.execute("rollback")
            raise JobFailed(f"loading into {relation} failed, nothing was written: {_one_line(exc)}") from exc
    finally:
        con.execute("drop table if exists incoming_bars")
    report.replaced += int(replaced)
    log.info("wrote %s bars into %s (%s replaced)", f"{report.rows:,}", relation, f"{int(replaced):,}")


class DuplicateGuard:
    """Rejects a bar that appears in two inputs of one load (per symbol: time ranges, then exact)."""

    def __init__(self) -> None:
        self._seen: dict[str, list[tuple[int, int, str, pd.Series]]] = {}

    def add(self, batch: BarBatch) -> None:
        for symbol, times in batch.frame.groupby("symbol", sort=False)["ts"]:
            low, high = int(times.min()), int(times.max())
            for other_low, other_high, other_name, other_times in self._seen.get(symbol, []):
                if low <= other_high and other_low <= high:
                    common = np.intersect1d(times.to_numpy(), other_times.to_numpy())
                    if common.size:
                        when = pd.Timestamp(int(common[0]), unit="s").strftime("%Y-%m-%d %H:%M")
                        raise UsageError(f"bar {symbol} {when} appears in more than one input: "
                                         f"{other_name}, {batch.name}")
            self._seen.setdefault(symbol, []).append((low, high, batch.name, times))


# ----------------------------------------------------------------------------- Spark


def spark_staging_root(target: Target) -> Path:
    """A folder for the staged parquet files, next to the tables (spark.sql.warehouse.dir).

    The executors read the files from there, so it must be a folder they all see: on one machine
    (local mode) any folder does; on a cluster, a shared file system mounted at the same path.
    """
    warehouse = spark_conf(target).get("spark.sql.warehouse.dir") or str(Path.cwd() / "spark-warehouse")
    if warehouse.startswith("file:"):
        warehouse = re.sub(r"^file:(//)?", "", warehouse)
    if "://" in warehouse:
        raise UsageError(f"target {target.name!r}: load_bars.py stages files in a local folder, and "
                         f"spark.sql.warehouse.dir is {warehouse}; set SPARK_WAREHOUSE_DIR to a shared folder")
    return Path(warehouse) / "_load_staging"


def _load_spark(session, target: Target, batches: Iterable[BarBatch], relation: str, columns: list[str],
                report: LoadReport) -> None:
    """Stage every batch as parquet, then rewrite the bar dates they touch in one insert overwrite."""
    import duckdb

    guard = DuplicateGuard()
    report.replaced = None  # counting them would cost Spark another join over the touched dates
    staging = spark_staging_root(target) / f"load-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        stager = duckdb.connect()
        try:
            for batch in batches:
                guard.add(batch)
                stager.register("batch_frame", batch.frame)
                part = staging / f"part-{report.batches:06d}.parquet"
                stager.execute("copy (select cast(symbol as varchar) as symbol, cast(ts as bigint) as ts, open, high, "
                               "low, close, volume, cast(trades as bigint) as trades from batch_frame) "
                               f"to '{part}' (format parquet)")
                stager.unregister("batch_frame")
                report.batches += 1
                report.rows += batch.rows
                if report.batches % 25 == 0:
                    log.info("validated %d inputs, %s bars", report.batches, f"{report.rows:,}")
        finally:
            stager.close()
        if not report.rows:
            return
        try:
            _rewrite_spark_dates(session, relation, str(staging), columns)
        except (UsageError, JobFailed):
            raise
        except Exception as exc:
            raise JobFailed(f"loading into {relation} failed, nothing was written: {_one_line(exc)}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("wrote %s bars into %s", f"{report.rows:,}", relation)


def _rewrite_spark_dates(session, relation: str, staging: str, columns: list[str]) -> None:
    """Each bar date the staged bars touch becomes its stored bars they do not replace, plus them."""
    table_columns = [c for c in columns if c != SPARK_PARTITION_COLUMN]
    # by position, as Spark inserts; a column of the user's own table that bars do not have gets NULL
    staged = {c: c for c in (*REQUIRED_COLUMNS, "trades")} | {"timestamp": "timestamp_seconds(ts)"}
    incoming = session.read.parquet(staging).selectExpr(
        *[f"{staged.get(c, 'null')} as `{c}`" for c in table_columns],
        f"to_date(timestamp_seconds(ts)) as {SPARK_PARTITION_COLUMN}")
    incoming.createOrReplaceTempView("incoming_bars")
    names = ", ".join(f"`{c}`" for c in [*table_columns, SPARK_PARTITION_COLUMN])
    kept = ", ".join(f"stored.`{c}`" for c in [*table_columns, SPARK_PARTITION_COLUMN])
    # Spark runs this as one job: the new partitions are written aside and swapped in at its commit
    session.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    # one writer per date, so a date is one file (about 100 MB at 2,000 symbols) rather than a few per task
    session.sql(f"""
        insert overwrite table {relation} partition ({SPARK_PARTITION_COLUMN})
        select * from (
            select {kept}
            from {relation} as stored
            left anti join incoming_bars
                on stored.symbol = incoming_bars.symbol and stored.`timestamp` = incoming_bars.`timestamp`
            where stored.{SPARK_PARTITION_COLUMN} in (select distinct {SPARK_PARTITION_COLUMN} from incoming_bars)
            union all
            select {names} from incoming_bars
        ) distribute by {SPARK_PARTITION_COLUMN}
    """)
    session.catalog.dropTempView("incoming_bars")


# ----------------------------------------------------------------------------- MySQL/MariaDB


def _load_mysql(con, target: Target, batches: Iterable[BarBatch], relation: str, with_trades: bool,
                report: LoadReport) -> None:
    guard = DuplicateGuard()
    done_rows = 0
    report.replaced = None
    try:
        with con.cursor() as cur:
            for number, batch in enumerate(batches, start=1):
                guard.add(batch)
                report.batches = number
                _load_one_mysql(cur, batch, relation, with_trades)
                warnings = _warnings(cur)
                if warnings:
                    raise JobFailed(f"{batch.name}: the server changed values while loading "
                                    f"({warnings}); nothing was written")
                report.rows += batch.rows
                done_rows += batch.rows
                if number % 10 == 0:
                    log.info("loaded %d inputs, %s bars", number, f"{done_rows:,}")
        con.commit()
    except BaseException as exc:
        con.rollback()
        if isinstance(exc, JobFailed | UsageError) or not isinstance(exc, Exception):
            raise
        raise JobFailed(f"loading into {relation} failed, nothing was written: {_one_line(exc)}") from exc
    # Fresh index statistics let `select symbol ... group by symbol` use a loose index scan
    # (milliseconds instead of a full scan); the leaderboards models rely on it. Samples pages only.
    try:
        with con.cursor() as cur:
            cur.execute(f"analyze table {relation}")
            cur.fetchall()
    except Exception as exc:  # the bars are committed; stale statistics only cost speed
        log.warning("analyze table %s failed (the load itself succeeded): %s", relation, exc)


def _warnings(cur) -> str:
    cur.execute("show warnings limit 3")
    rows = cur.fetchall()
    return "; ".join(f"{r[2]}" for r in rows)


_FROM_EPOCH = "cast('1970-01-01 00:00:00' as datetime) + interval {} second"


def _load_one_mysql(cur, batch: BarBatch, relation: str, with_trades: bool) -> None:
    layout = batch.layout
    if batch.path is None or layout is None or not layout.direct:
        _load_frame_mysql(cur, batch.frame, relation, with_trades)
        return
    # Columns that need no conversion are loaded straight into the table's columns (user
    # variables plus SET cost about 8% of the throughput).
    fields, assignments, params = [], [], [str(batch.path)]
    for i, column in enumerate(layout.fields):
        if column is None or (column == "trades" and not with_trades):
            fields.append(f"@skip{i}")
        elif column == "ts" or (column == "timestamp" and layout.ts_format == "epoch"):
            fields.append("@ts")
            assignments.append(f"timestamp = {_FROM_EPOCH.format('@ts')}")
        elif column == "trades" and batch.trades_missing:
            fields.append("@trades")
            assignments.append("trades = nullif(@trades, '')")
        else:
            fields.append(column)
    if layout.symbol is not None:
        assignments.append("symbol = %s")
        params.append(layout.symbol)
    if with_trades and "trades" not in layout.fields:
        assignments.append("trades = null")
    terminator = "\\r\\n" if layout.line_terminator == "\r\n" else "\\n"
    sql = (
        f"load data local infile %s replace into table {relation} character set utf8mb4 "
        f"fields terminated by ',' optionally enclosed by '\"' lines terminated by '{terminator}' "
        f"ignore {layout.header_lines} lines ({', '.join(fields)})"
        + (f" set {', '.join(assignments)}" if assignments else "")
    )
    cur.execute(sql, params)


def _load_frame_mysql(cur, frame: pd.DataFrame, relation: str, with_trades: bool) -> None:
    """Bulk-load an in-memory frame through a temporary tab-separated file."""
    fd, name = tempfile.mkstemp(prefix="bars-", suffix=".tsv")
    os.close(fd)
    try:
        columns = ["symbol", "ts", "open", "high", "low", "close", "volume"] + (["trades"] if with_trades else [])
        frame.to_csv(name, sep="\t", header=False, index=False, columns=columns, na_rep="\\N",
                     lineterminator="\n")
        trades = ", trades" if with_trades else ""
        sql = (
            f"load data local infile %s replace into table {relation} character set utf8mb4 "
            "fields terminated by '\\t' lines terminated by '\\n' "
            f"(symbol, @ts, open, high, low, close, volume{trades}) "
            f"set timestamp = {_FROM_EPOCH.format('@ts')}"
        )
        cur.execute(sql, [name])
    finally:
        Path(name).unlink(missing_ok=True)
