"""Inputs and outputs of cluster.py: cohort bars from the warehouse or a CSV, and the results as
JSON, text, the warehouse table imf_clusters and a plot; cluster_cohort is the whole run."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import cli, imf
from .errors import JobFailed, UsageError
from .files import atomic_path, writable_folder, write_text
from .leaderboards import cohort_members
from .warehouse import Target, connect, load_target, param, quote_ident, read_rows, relation_exists
from .warehouse import replace_rows as warehouse_replace_rows

log = logging.getLogger(__name__)
TABLE = "imf_clusters"
NEEDED_CSV_COLUMNS = ("symbol", "timestamp", "close", "volume")


@dataclass
class CohortBars:
    members: list[str]  # in cohort order
    bars: dict[str, pd.DataFrame]  # symbol -> ts (unix seconds), close, volume, ascending
    as_of: datetime


def _frames(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    out = {}
    for symbol, part in frame.groupby("symbol", sort=False):
        out[str(symbol)] = part[["ts", "close", "volume"]].sort_values("ts").reset_index(drop=True)
    return out


def check_bars(close: np.ndarray, volume: np.ndarray, where: str, position: Callable[[int], str]) -> None:
    """UsageError at the first bar whose close is not a positive number, or whose volume is negative
    or infinite (a missing volume counts as none): such a bar would poison the decomposition, or make
    the JSON invalid after all the work. `position(i)` says where bar i is."""
    checks = (("close is not a positive number", ~(np.isfinite(close) & (close > 0))),
              ("volume is negative or infinite", np.isinf(volume) | (volume < 0)))
    for reason, bad in checks:
        if bad.any():
            i = int(bad.argmax())
            value = close[i] if reason.startswith("close") else volume[i]
            raise UsageError(f"{where}: {position(i)}: {reason} ({value})")


def read_warehouse(target: Target, cohort: str, as_of: datetime | None) -> CohortBars:
    missing = [r for r in ("cohort_bars", f"habitual_{cohort}", "leaderboard_run") if not relation_exists(target, r)]
    if missing:
        raise UsageError(f"{', '.join(missing)} not found in {target.type} target {target.name!r}: "
                         f"run `dbt run --select +leaderboards --target {target.name}` first")
    rel = target.relation
    _, run = read_rows(target, f"select as_of from {rel('leaderboard_run')}")
    built_as_of = run[0][0] if run else None
    members = cohort_members(target, cohort)
    ts = quote_ident(target, "timestamp")
    sql = f"select symbol, {ts}, close, volume from {rel('cohort_bars')} where cohort = {param(target)}"
    params: list[Any] = [cohort]
    if as_of is not None:
        sql += f" and {ts} < {param(target)}"
        params.append(as_of)
    _, bar_rows = read_rows(target, sql + f" order by symbol, {ts}", params)
    frame = pd.DataFrame(bar_rows, columns=["symbol", "timestamp", "close", "volume"])
    frame["ts"] = pd.to_datetime(frame["timestamp"]).astype("datetime64[s]").astype(np.int64)
    frame["close"] = pd.to_numeric(frame["close"], errors="coerce").astype(float)
    frame["volume"] = pd.to_numeric(frame["volume"], errors="coerce").astype(float)
    check_bars(frame["close"].to_numpy(), frame["volume"].to_numpy(), f"{rel('cohort_bars')} ({cohort})",
               lambda i: f"{frame['symbol'].iloc[i]} at {frame['timestamp'].iloc[i]}")
    return CohortBars(members, _frames(frame), as_of or built_as_of or _utc_now())


def read_csv(path: Path, as_of: datetime | None) -> CohortBars:
    """A habitual_*.csv export; UsageError naming the file and line of the first bad value."""
    where = f"--input {path}"
    if not path.is_file():
        raise UsageError(f"{where}: {'not a file' if path.exists() else 'no such file'}")
    try:
        frame = pd.read_csv(path, dtype={"symbol": str, "timestamp": str})
    except OSError as exc:
        raise UsageError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:  # pandas' parser errors, an empty file, bytes that are not UTF-8
        raise UsageError(f"{where}: not a readable CSV ({cli.first_line(exc)})") from None
    absent = [c for c in NEEDED_CSV_COLUMNS if c not in frame.columns]
    if absent:
        raise UsageError(f"{where}: missing column(s) {', '.join(absent)} "
                         f"(expected a habitual_*.csv: {', '.join(NEEDED_CSV_COLUMNS)}, ...)")
    line = lambda i: f"line {i + 2}"  # noqa: E731 - the header is line 1
    symbols = frame["symbol"].str.strip()
    if symbols.isna().any() or (symbols == "").any():
        raise UsageError(f"{where}: {line(int((symbols.isna() | (symbols == '')).to_numpy().argmax()))}: "
                         "missing symbol")
    stamps = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601", errors="coerce").dt.tz_localize(None)
    if stamps.isna().any():
        i = int(stamps.isna().to_numpy().argmax())
        raise UsageError(f"{where}: {line(i)}: timestamp {frame['timestamp'].iloc[i]!r} is not a UTC time")
    close = pd.to_numeric(frame["close"], errors="coerce").astype(float)
    volume = pd.to_numeric(frame["volume"], errors="coerce").astype(float)
    for name, values in (("close", close), ("volume", volume)):
        text = values.isna() & frame[name].notna()
        if text.any():
            i = int(text.to_numpy().argmax())
            raise UsageError(f"{where}: {line(i)}: {name} {frame[name].iloc[i]!r} is not a number")
    check_bars(close.to_numpy(), volume.to_numpy(), where, line)
    frame = pd.DataFrame({"symbol": symbols, "ts": stamps.astype("datetime64[s]").astype(np.int64),
                          "close": close, "volume": volume})
    if as_of is not None:
        frame = frame[stamps < as_of]
    members = list(dict.fromkeys(frame["symbol"]))
    end = (datetime.fromtimestamp(int(frame["ts"].max()) + 60, UTC).replace(tzinfo=None) if len(frame)
           else _utc_now())
    return CohortBars(members, _frames(frame), as_of or end)


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def write_json(results: dict, path: Path) -> None:
    write_text(path, json.dumps(results, indent=2, allow_nan=False) + "\n")


def summary_lines(results: dict, dominant: Callable[[dict], dict | None]) -> list[str]:
    lines = []
    for symbol, windows in results.items():
        best = dominant(windows)
        if best is None:
            lines.append(f"{symbol}, NA, NA")
        else:
            lines.append(f"{symbol}, {best['median_duration_min']}, {best['median_amplitude_pct']}")
    return lines


def write_lines(lines: list[str], path: Path) -> None:
    write_text(path, "".join(line + "\n" for line in lines))


# imf_clusters' columns, in the table's order: (name, type, nullable). The DDL of every engine, the insert and
# Spark's frame schema are generated from this list.
COLUMN_TYPES = (
    ("cohort", "varchar(16)", False), ("symbol", "varchar(32)", False), ("window", "varchar(8)", False),
    ("method", "varchar(8)", False), ("cluster", "integer", False), ("count", "integer", False),
    *((name, "double", False) for name in ("median_amplitude_pct", "mad_amplitude_pct", "median_duration_min",
                                          "mad_duration_min", "median_total_volume", "mad_total_volume")),
    ("eps", "double", True), ("min_samples", "integer", True), ("flag_small", "boolean", True),
    ("decomposition", "varchar(16)", False), ("as_of", "timestamp", False), ("run_at", "timestamp", False),
)
TABLE_COLUMNS = tuple(name for name, _, _ in COLUMN_TYPES)
PRIMARY_KEY = ("cohort", "as_of", "symbol", "window", "method", "cluster")


def column_type(target: Target, kind: str) -> str:
    """A COLUMN_TYPES type in the target's DDL: MySQL's DATETIME holds a naive UTC time as given, and Spark
    has STRING and INT."""
    if target.is_spark:
        return "string" if kind.startswith("varchar") else {"integer": "int"}.get(kind, kind)
    return "datetime" if kind == "timestamp" and target.is_mysql_family else kind


def table_ddl(target: Target, relation: str, order: tuple[str, ...] = TABLE_COLUMNS, key: bool = True) -> str:
    """`create table if not exists` of imf_clusters with its columns in `order` (every name quoted: window and
    count are keywords somewhere), and the primary key where `key`."""
    types_ = {name: (kind, nullable) for name, kind, nullable in COLUMN_TYPES}
    items = [f"{quote_ident(target, c)} {column_type(target, types_[c][0])}{'' if types_[c][1] else ' not null'}"
             for c in order]
    if key:
        items.append(f"primary key ({', '.join(quote_ident(target, c) for c in PRIMARY_KEY)})")
    return f"create table if not exists {relation} (\n    " + ",\n    ".join(items) + "\n)"


def table_rows(cohort: str, results: dict, as_of: datetime, run_at: datetime,
               decomposition: str = "pyemd") -> list[tuple]:
    """The imf_clusters rows; `decomposition` says which EMD made them (pyemd exact, emd.sift fast)."""
    rows = []
    for symbol, windows in results.items():
        for window, methods in windows.items():
            for method in ("gmm", "dbscan"):
                for c in methods[method]:
                    params = c.get("parameters", {})
                    rows.append((cohort, symbol, window, method, c["cluster"], c["count"],
                                 c["median_amplitude_pct"], c["mad_amplitude_pct"], c["median_duration_min"],
                                 c["mad_duration_min"], c["median_total_volume"], c["mad_total_volume"],
                                 params.get("eps"), params.get("min_samples"), c.get("flag_small"), decomposition,
                                 as_of, run_at))
    return rows


def replace_rows(target: Target, cohort: str, as_of: datetime, rows: list[tuple]) -> None:
    """Replace the cohort's rows for this as_of in one transaction."""
    if target.is_spark:
        replace_spark_rows(target, cohort, as_of, rows)
        return
    relation = target.relation(TABLE)
    ddl = table_ddl(target, relation) + (" character set utf8mb4 collate utf8mb4_bin" if target.is_mysql_family else "")
    columns = ", ".join(quote_ident(target, c) for c in TABLE_COLUMNS)
    insert = f"insert into {relation} ({columns}) values ({', '.join([param(target)] * len(TABLE_COLUMNS))})"
    delete = f"delete from {relation} where cohort = {param(target)} and as_of = {param(target)}"
    warehouse_replace_rows(target, ddl=ddl, deletes=[(delete, (cohort, as_of))], insert=insert, rows=rows)


# Parquet has no DELETE: the table is partitioned by cohort, and a run rewrites its cohort's partition. Spark
# keeps a partition column last.
SPARK_ORDER = (*(c for c in TABLE_COLUMNS if c != "cohort"), "cohort")


def replace_spark_rows(target: Target, cohort: str, as_of: datetime, rows: list[tuple]) -> None:
    """replace_rows on Spark: the cohort's partition becomes its stored rows of other as_of values plus
    `rows`, in one dynamic insert overwrite (written aside, swapped in when the job commits), or is
    dropped when nothing is left (an overwrite cannot empty a partition)."""
    from pyspark.sql import types

    session = connect(target, create_schema=True)
    relation = target.relation(TABLE)
    session.sql(table_ddl(target, relation, SPARK_ORDER, key=False) + " using parquet partitioned by (cohort)")
    partitions = [c.name for c in session.catalog.listColumns(relation) if c.isPartition]
    if partitions != ["cohort"]:
        raise UsageError(f"{relation} is not partitioned by cohort (partitions: {', '.join(partitions) or 'none'}): "
                         "rename or drop it, then run cluster.py again")
    kinds = {"varchar": types.StringType(), "integer": types.IntegerType(), "double": types.DoubleType(),
             "boolean": types.BooleanType(), "timestamp": types.TimestampNTZType()}
    schema = types.StructType([types.StructField(name, kinds[kind.split("(")[0]]) for name, kind, _ in COLUMN_TYPES])
    # the naive UTC times go in as TIMESTAMP_NTZ and are cast in the session's zone (UTC): pyspark would read a
    # plain TIMESTAMP in the process's local zone
    session.createDataFrame(rows, schema).createOrReplaceTempView("imf_clusters_new")
    stored = ", ".join(quote_ident(target, c) for c in SPARK_ORDER)
    incoming = ", ".join(f"cast({c} as timestamp) as {c}" if c in ("as_of", "run_at") else quote_ident(target, c)
                         for c in SPARK_ORDER)
    others = f"from {relation} where cohort = ? and as_of <> ?"
    args = [cohort, as_of.replace(tzinfo=UTC)]
    try:
        if rows or session.sql(f"select count(*) {others}", args=args).collect()[0][0]:
            session.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
            session.sql(f"insert overwrite table {relation} partition (cohort) "
                        f"select {stored} {others} union all select {incoming} from imf_clusters_new", args=args)
        else:
            # a partition spec takes literals only (Spark's string literals escape with a backslash)
            literal = "'" + cohort.replace("\\", "\\\\").replace("'", "\\'") + "'"
            session.sql(f"alter table {relation} drop if exists partition (cohort = {literal})")
    except Exception as exc:
        raise JobFailed(f"writing {relation} failed, nothing was changed: {cli.first_line(exc)}") from exc
    finally:
        session.catalog.dropTempView("imf_clusters_new")


def plot_clusters(cohort: str, results: dict, windows: list[str], path: Path) -> None:
    """One panel per window: every member's clusters (GMM, else DBSCAN) as duration against
    amplitude, marker area by median total volume, one colour per member."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(3, max(1, len(windows)))
    rows = math.ceil(len(windows) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.5 * columns + 1.5, 4.2 * rows), squeeze=False,
                             layout="constrained")
    volumes = [c["median_total_volume"] for w in results.values() for m in w.values()
               for c in (m["gmm"] or m["dbscan"])]
    top = max(volumes) if volumes else 1.0
    colours = plt.get_cmap("tab20")
    for i, window in enumerate(windows):
        ax = axes[i // columns][i % columns]
        for j, (symbol, per_window) in enumerate(results.items()):
            clusters = per_window.get(window, {"gmm": [], "dbscan": []})
            clusters = clusters["gmm"] or clusters["dbscan"]
            if not clusters:
                continue
            ax.scatter([c["median_duration_min"] for c in clusters], [c["median_amplitude_pct"] for c in clusters],
                       s=[20 + 400 * (c["median_total_volume"] / top if top > 0 else 0) for c in clusters],
                       color=colours(j % 20), alpha=0.6, edgecolors="black", linewidths=0.4, label=symbol)
        ax.set_title(f"{cohort}: {window} window")
        ax.set_xlabel("median cycle duration (min)")
        ax.set_ylabel("median amplitude (%)")
        ax.grid(alpha=0.3)
    for k in range(len(windows), rows * columns):
        axes[k // columns][k % columns].axis("off")
    legend: dict[str, Any] = {}  # every member with a cluster in some window, in cohort order
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    order = [symbol for symbol in results if symbol in legend]
    if order:
        key = fig.legend([legend[s] for s in order], order, loc="outside right center", fontsize=7, title="member")
        for handle in key.legend_handles:
            handle.set_sizes([30])  # one marker size in the key: area shows volume only in the panels
    fig.suptitle(f"EMD cycle clusters of the habitual {cohort} (marker area: median total volume)")
    try:
        with atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, dpi=110)
    finally:
        plt.close(fig)


def cluster_cohort(cohort: str, *, out: Path, input_csv: Path | None, windows: str | None, symbols: str | None,
                   jobs: int, as_of: datetime | None, plot: bool, fast: bool, load: bool, target: str | None,
                   profiles_dir: str | None) -> int:
    """cluster.py: the cohort's members from the warehouse (or `input_csv`), clustered, written to
    `out` and (from the warehouse, or with `load`) to the table imf_clusters."""
    chosen = imf.selected_windows(windows)
    writable_folder(out, "--out")  # now, not after the work, which can take an hour
    warehouse = load_target(target, profiles_dir) if input_csv is None or load else None
    data = read_csv(input_csv, as_of) if input_csv else read_warehouse(warehouse, cohort, as_of)
    members = imf.selected_members(symbols, data.members, cohort)
    # on a Spark target the executors run the members (--jobs is for local runs)
    spark = connect(warehouse) if warehouse is not None and warehouse.is_spark and members else None
    if not members:
        log.warning("the %s cohort is empty: writing empty outputs", cohort)
    else:
        log.info("%s: %d member(s), %d window(s), as of %s, %s", cohort, len(members), len(chosen), data.as_of,
                 "on Spark's executors" if spark else f"{jobs} job(s)")
    if fast:
        log.info("fast mode: emd.sift instead of PyEMD; the clusters are close to, not equal to, exact mode's")
    results = imf.analyse_cohort(data.bars, members, chosen, jobs, fast, spark=spark)
    stem = out / f"imf_clusters_{cohort}"
    write_json(results, stem.with_suffix(".json"))
    write_lines(summary_lines(results, imf.dominant), stem.with_suffix(".txt"))
    if plot:
        plot_clusters(cohort, results, [w[0] for w in chosen], stem.with_suffix(".png"))
    if warehouse is not None:
        run_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        rows = table_rows(cohort, results, data.as_of, run_at, "emd.sift" if fast else "pyemd")
        replace_rows(warehouse, cohort, data.as_of, rows)
        log.info("imf_clusters: %d row(s) for %s as of %s", len(rows), cohort, data.as_of)
    log.info("wrote %s.json and .txt%s", stem, " and .png" if plot else "")
    return 0
