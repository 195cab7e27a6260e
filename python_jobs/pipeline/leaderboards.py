"""Read the leaderboards relations dbt built, and turn them into the original's exports.

Pure functions (summary_document, format_report) work on plain data, so they are tested
without a database; read_leaderboards and export_cohort_bars talk to the warehouse. The cohort
profiles (cohort_profiles, when built) come from profile_report.py.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .cli import text_table
from .errors import UsageError
from .files import atomic_path, writable_folder, write_text
from .profile_report import Profiles, csv_rows, member_profile, profile_lines, read_profiles, write_profiles_csv
from .warehouse import Target, load_target, param, quote_ident, read_rows, relation_exists, stream_rows

log = logging.getLogger(__name__)

COHORTS = ("gainers", "losers", "overlaps")
SECTION_TITLES = {"gainers": "Top Gainers", "losers": "Top Losers", "overlaps": "Top Overlap"}
MEMBER_COLUMNS = ("symbol", "rank", "gain_count", "loss_count", "overlap_score", "price_change_24h",
                  "volume_change_24h", "centroid_distance", "profile_tags")
BAR_COLUMNS = ("symbol", "timestamp", "open", "high", "low", "close", "volume")
NEEDED = ("leaderboard_run", "habitual_gainers", "habitual_losers", "habitual_overlaps", "leaderboard_skew",
          "cohort_bars")


@dataclass
class Leaderboards:
    as_of: datetime
    lookback_start: datetime
    top_n: int
    fresh_symbols: int
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    skew: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    profiles: Profiles = field(default_factory=lambda: Profiles(False, "not read"))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: Any) -> float | None:
    """A figure for the JSON: null when missing or not finite (JSON has no NaN or Infinity)."""
    return None if _missing(value) or not math.isfinite(float(value)) else float(value)


def read_leaderboards(target: Target) -> Leaderboards:
    """The latest leaderboards build; UsageError when dbt has not built it on this target."""
    absent = [name for name in NEEDED if not relation_exists(target, name)]
    if absent:
        raise UsageError(f"{', '.join(absent)} not found in {target.type} target {target.name!r} "
                         f"(schema {target.schema}): run `dbt run --select +leaderboards --target {target.name}` first")
    rel = target.relation
    _, run = read_rows(target, f"select as_of, lookback_start, top_n, fresh_symbols from {rel('leaderboard_run')}")
    board = Leaderboards(as_of=run[0][0], lookback_start=run[0][1], top_n=int(run[0][2]), fresh_symbols=int(run[0][3]))
    quoted = ", ".join(quote_ident(target, c) for c in MEMBER_COLUMNS)
    for cohort in COHORTS:
        _, rows = read_rows(target, f"select {quoted} from {rel('habitual_' + cohort)} order by 2")
        board.members[cohort] = [dict(zip(MEMBER_COLUMNS, r, strict=True)) for r in rows]
        _, rows = read_rows(target, f"select symbol, bucket, level, deviation_pct from {rel('leaderboard_skew')} "
                                    f"where cohort = {param(target)} order by symbol, bucket", (cohort,))
        board.skew[cohort] = [dict(zip(("symbol", "bucket", "level", "deviation_pct"), r, strict=True))
                              for r in rows]
    board.profiles = read_profiles(target, board.as_of)
    return board


def cohort_members(target: Target, cohort: str) -> list[str]:
    """The symbols of habitual_<cohort>, in rank order."""
    _, rows = read_rows(target, f"select symbol from {target.relation('habitual_' + cohort)} "
                                f"order by {quote_ident(target, 'rank')}")
    return [r[0] for r in rows]


def summary_document(board: Leaderboards) -> dict[str, Any]:
    """leaderboards_summary.json: the original's sections, with null for a missing figure."""
    doc: dict[str, Any] = {
        "as_of": board.as_of.strftime("%Y-%m-%d %H:%M:%S"),
        "lookback_start": board.lookback_start.strftime("%Y-%m-%d %H:%M:%S"),
        "top_n": board.top_n,
        "fresh_symbols": board.fresh_symbols,
    }
    for cohort in COHORTS:
        doc[SECTION_TITLES[cohort]] = {
            "coins": [{
                "symbol": m["symbol"],
                "price_change": _number(m["price_change_24h"]),
                "pct_vol_change": _number(m["volume_change_24h"]),
                "skew": [t for t in (m["profile_tags"] or "").split(", ") if t],
                "profile": member_profile(board.profiles, cohort, m["symbol"]),
            } for m in board.members[cohort]],
            "skew_details": [{
                "symbol": s["symbol"], "bucket": s["bucket"], "level": s["level"],
                "deviation_pct": _number(s["deviation_pct"]),
            } for s in board.skew[cohort]],
        }
    return doc


def _pct(value: Any) -> str:
    return "n/a" if _missing(value) else f"{float(value):+.2f}%"


def format_report(board: Leaderboards) -> str:
    """The printed summary: per cohort the members with latest 24h changes and tags, then the skew table."""
    lines = [f"Leaderboards as of {board.as_of:%Y-%m-%d %H:%M:%S} UTC "
             f"(lookback from {board.lookback_start:%Y-%m-%d %H:%M:%S}, top {board.top_n}): "
             f"{board.fresh_symbols} fresh symbol(s)"]
    if board.fresh_symbols == 0:
        lines.append("No symbol has a bar in the freshness window before as_of: every cohort is empty.")
    for cohort in COHORTS:
        members = board.members[cohort]
        lines += ["", f"== {SECTION_TITLES[cohort]} ({len(members)} of {board.top_n}) =="]
        if not members:
            lines.append("(empty: no symbol qualified)")
            continue
        if len(members) < board.top_n:
            lines.append(f"(only {len(members)} symbol(s) qualified)")
        lines += text_table(["#", "symbol", "24h price", "24h volume", "gains", "losses", "tags"], [
            [str(m["rank"]), m["symbol"], _pct(m["price_change_24h"]), _pct(m["volume_change_24h"]),
             str(m["gain_count"]), str(m["loss_count"]), m["profile_tags"] or "-"] for m in members])
        skew = board.skew[cohort]
        lines += ["", f"-- skew details, {SECTION_TITLES[cohort]} --"]
        lines += text_table(["symbol", "bucket", "level", "deviation"], [
            [s["symbol"], s["bucket"], s["level"], _pct(s["deviation_pct"])] for s in skew]) if skew else ["(none)"]
        lines += profile_lines(board.profiles, cohort, [m["symbol"] for m in members], SECTION_TITLES[cohort])
    return "\n".join(lines)


def write_json(doc: dict[str, Any], path: Path) -> None:
    write_text(path, json.dumps(doc, indent=2, allow_nan=False) + "\n")


def export_cohort_bars(target: Target, cohort: str, path: Path) -> int:
    """habitual_<cohort>.csv: every lookback bar of each member, streamed from cohort_bars. Returns rows."""
    rel = target.relation
    ts = quote_ident(target, "timestamp")
    if target.type == "duckdb":  # an infinite or NaN value is an empty cell, as a missing one
        values = ", ".join(f"case when isfinite({c}) then {c} end as {c}" for c in BAR_COLUMNS[2:])
        sql = (f"select symbol, {ts}, {values} from {rel('cohort_bars')} "
               f"where cohort = '{cohort}' order by symbol, {ts}")
        return _export_duckdb(target, sql, path)
    sql = (f"select symbol, {ts}, open, high, low, close, volume from {rel('cohort_bars')} "
           f"where cohort = {param(target)} order by symbol, {ts}")
    rows = 0
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(BAR_COLUMNS)
        for _, batch in stream_rows(target, sql, (cohort,)):
            # an empty cell for NaN or infinity, as DuckDB's export writes (Spark's doubles hold them; MySQL's cannot)
            writer.writerows((s, t.strftime("%Y-%m-%d %H:%M:%S"), *map(_finite_or_none, values))
                             for s, t, *values in batch)
            rows += len(batch)
    return rows


def _finite_or_none(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _export_duckdb(target: Target, sql: str, path: Path) -> int:
    """DuckDB writes the CSV itself (same layout, shortest round-trip floats), to a file then renamed."""
    from .warehouse import connect

    con = connect(target)
    try:
        with atomic_path(path) as tmp:
            rows = con.execute(f"copy ({sql}) to '{tmp}' (header, delimiter ',', "
                               "timestampformat '%Y-%m-%d %H:%M:%S')").fetchone()[0]
    finally:
        con.close()
    return int(rows)


def report(out: Path, *, bars: bool, target: str | None, profiles_dir: str | None) -> int:
    """leaderboards_report.py: print the summary, write leaderboards_summary.json, cohort_profiles.csv (when
    cohort_profiles describes the same as_of) and (with `bars`) habitual_<cohort>.csv into `out`, checked before
    the warehouse is read."""
    out = writable_folder(out, "--out")  # before reading the leaderboards, not after
    warehouse = load_target(target, profiles_dir)
    board = read_leaderboards(warehouse)
    sys.stdout.write(format_report(board) + "\n")
    write_json(summary_document(board), out / "leaderboards_summary.json")
    log.info("wrote %s", out / "leaderboards_summary.json")
    if board.profiles.available:
        order = [(cohort, m["symbol"]) for cohort in COHORTS for m in board.members[cohort]]
        rows = write_profiles_csv(csv_rows(board.profiles, order), out / "cohort_profiles.csv")
        log.info("wrote %s: %d profile(s)", out / "cohort_profiles.csv", rows)
    else:
        log.warning("no cohort profiles: %s", board.profiles.reason)
    if bars:
        for cohort in COHORTS:
            started = time.perf_counter()
            path = out / f"habitual_{cohort}.csv"
            rows = export_cohort_bars(warehouse, cohort, path)
            log.info("wrote %s: %d bars of %d member(s) in %.1f s", path, rows, len(board.members[cohort]),
                     time.perf_counter() - started)
    return 0
