"""Loading validated bars into the warehouse's `ohlcvt` table, atomically and idempotently.

Every batch is validated first (see bars.py); nothing is written unless all of them pass.
Then everything is written in one transaction that replaces bars already present:

* MySQL/MariaDB: ``LOAD DATA LOCAL INFILE ... REPLACE`` per batch, reading the original file
  when its layout allows (Kraken files and canonical CSV), else a normalised temporary file.
  The table's primary key (symbol, timestamp) makes REPLACE an upsert.
* DuckDB: one ``delete ... where (symbol, timestamp) in (new bars)`` and one ``insert``. The table
  has no primary-key index on DuckDB: its ART index makes bulk inserts 5x slower (see
  docs/loading.md); the loader and the dbt grain test keep the key unique instead.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .bars import BarBatch
from .errors import JobFailed, UsageError
from .project import project_var
from .warehouse import Target, connect, quote_ident

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


def default_table() -> str:
    return str(project_var("ohlcvt_table", "ohlcvt"))


def default_schema(target: Target) -> str:
    return str(project_var("ohlcvt_schema") or target.schema)


def ensure_table(con, target: Target, table: str, schema: str) -> list[str]:
    """Create the bars table if missing; return its columns. Checks a user's own table fits."""
    relation = target.relation(table, schema)
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
                f"table {schema}.{table} has no primary key or unique index on (symbol, timestamp), "
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
        raise UsageError(f"table {schema}.{table} lacks column(s) {', '.join(missing)}")
    return columns


def load_batches(
    target: Target,
    batches: Iterable[BarBatch],
    *,
    table: str | None = None,
    schema: str | None = None,
) -> LoadReport:
    """Write validated batches in one transaction, replacing bars already stored."""
    batches = list(batches)
    table = table or default_table()
    schema = schema or default_schema(target)
    report = LoadReport(batches=len(batches))
    if not batches:
        return report
    started = time.perf_counter()
    con = connect(target)
    try:
        columns = ensure_table(con, target, table, schema)
        with_trades = "trades" in columns
        if target.is_mysql_family:
            _load_mysql(con, target, batches, target.relation(table, schema), with_trades, report)
        else:
            _load_duckdb(con, batches, target.relation(table, schema), with_trades, report)
    finally:
        con.close()
    report.seconds = time.perf_counter() - started
    return report


# ----------------------------------------------------------------------------- DuckDB


def _load_duckdb(con, batches: list[BarBatch], relation: str, with_trades: bool, report: LoadReport) -> None:
    frame = batches[0].frame if len(batches) == 1 else pd.concat(
        [b.frame for b in batches], ignore_index=True)
    if len(batches) > 1:
        _check_no_cross_batch_duplicates(batches, frame)
    trades_col = ", trades" if with_trades else ""
    trades_val = ", trades" if with_trades else ""
    con.register("incoming_bars", frame)
    try:
        con.execute("begin transaction")
        replaced = con.execute(
            f"delete from {relation} where (symbol, timestamp) in "
            "(select symbol, make_timestamp(ts * 1000000) from incoming_bars)").fetchone()[0]
        con.execute(
            f"insert into {relation} (symbol, timestamp, open, high, low, close, volume{trades_col}) "
            f"select symbol, make_timestamp(ts * 1000000), open, high, low, close, volume{trades_val} "
            "from incoming_bars")
        con.execute("commit")
    except Exception as exc:
        con.execute("rollback")
        raise JobFailed(f"loading into {relation} failed, nothing was written: {exc}") from exc
    finally:
        con.unregister("incoming_bars")
    report.rows += len(frame)
    report.replaced += int(replaced)
    log.info("wrote %s bars into %s (%s replaced)", f"{len(frame):,}", relation, f"{int(replaced):,}")


def _check_no_cross_batch_duplicates(batches: list[BarBatch], frame: pd.DataFrame) -> None:
    duplicated = frame.duplicated(["symbol", "ts"], keep="first").to_numpy()
    if not duplicated.any():
        return
    row = int(duplicated.argmax())
    symbol, ts = frame["symbol"].iloc[row], int(frame["ts"].iloc[row])
    owners = [b.name for b in batches
              if ((b.frame["symbol"] == symbol) & (b.frame["ts"] == ts)).any()]
    when = pd.Timestamp(ts, unit="s").strftime("%Y-%m-%d %H:%M")
    raise UsageError(f"bar {symbol} {when} appears in more than one input: {', '.join(owners)}")


# ----------------------------------------------------------------------------- MySQL/MariaDB


def _load_mysql(con, target: Target, batches: list[BarBatch], relation: str, with_trades: bool,
                report: LoadReport) -> None:
    if len(batches) > 1:
        frame = pd.concat([b.frame[["symbol", "ts"]] for b in batches], ignore_index=True)
        _check_no_cross_batch_duplicates(batches, frame)
    done_rows = 0
    report.replaced = None
    try:
        with con.cursor() as cur:
            for number, batch in enumerate(batches, start=1):
                _load_one_mysql(cur, batch, relation, with_trades)
                warnings = _warnings(cur)
                if warnings:
                    raise JobFailed(f"{batch.name}: the server changed values while loading "
                                    f"({warnings}); nothing was written")
                report.rows += batch.rows
                done_rows += batch.rows
                if number == len(batches) or number % 10 == 0:
                    log.info("loaded %d/%d inputs, %s bars", number, len(batches), f"{done_rows:,}")
        con.commit()
    except Exception as exc:
        con.rollback()
        if isinstance(exc, JobFailed | UsageError):
            raise
        raise JobFailed(f"loading into {relation} failed, nothing was written: {exc}") from exc


def _warnings(cur) -> str:
    cur.execute("show warnings limit 3")
    rows = cur.fetchall()
    return "; ".join(f"{r[2]}" for r in rows)


_FROM_EPOCH = "cast('1970-01-01 00:00:00' as datetime) + interval {} second"


def _load_one_mysql(cur, batch: BarBatch, relation: str, with_trades: bool) -> int:
    layout = batch.layout
    if batch.path is not None and layout is not None and layout.direct:
        fields, assignments = [], []
        for i, column in enumerate(layout.fields):
            var = f"@f{i}"
            fields.append(var)
            if column is None or (column == "trades" and not with_trades):
                continue
            if column in ("ts", "timestamp"):
                expr = _FROM_EPOCH.format(var) if layout.ts_format == "epoch" else f"cast({var} as datetime)"
                assignments.append(f"timestamp = {expr}")
            elif column == "trades":
                assignments.append(f"trades = nullif({var}, '')")
            else:
                assignments.append(f"{column} = {var}")
        params: list = [str(batch.path)]
        if layout.symbol is not None:
            assignments.append("symbol = %s")
        if with_trades and "trades" not in layout.fields:
            assignments.append("trades = null")
        terminator = "\\r\\n" if layout.line_terminator == "\r\n" else "\\n"
        sql = (
            f"load data local infile %s replace into table {relation} character set utf8mb4 "
            "fields terminated by ',' optionally enclosed by '\"' "
            f"lines terminated by '{terminator}' "
            f"ignore {layout.header_lines} lines ({', '.join(fields)}) set {', '.join(assignments)}"
        )
        if layout.symbol is not None:
            params.append(layout.symbol)
        return cur.execute(sql, params)
    return _load_frame_mysql(cur, batch.frame, relation, with_trades)


def _load_frame_mysql(cur, frame: pd.DataFrame, relation: str, with_trades: bool) -> int:
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
        return cur.execute(sql, [name])
    finally:
        Path(name).unlink(missing_ok=True)
