"""The cohort profiles in leaderboards_report.py: read cohort_profiles, print a table per cohort, export it.

Pure functions (member_profile, profile_lines, csv_rows) work on plain data, so they are tested without a
database; read_profiles talks to the warehouse. Definitions: ../shared/spec/cohort-profiles.md; docs/profiles.md.
"""

from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .cli import text_table
from .files import atomic_path
from .profile_catalog import FEATURES, PROFILE_INTERVALS, profile_columns
from .warehouse import Target, quote_ident, read_rows, relation_exists

log = logging.getLogger(__name__)

MEMBER_FIELDS = ("regime", "rv_30d", "drawdown_90d", "ma_trend")  # the member's, whatever the interval
COLUMNS = tuple(profile_columns())
# what the printout shows per member: (interval, feature) pairs, each with its percentile
SHOWN = (("1h", "rsi_14"), ("1h", "natr_14"), ("1d", "rsi_14"), ("1d", "natr_14"), ("1h", "volume_ratio_20"))
SHOWN_TITLES = {"rsi_14": "RSI", "natr_14": "NATR", "volume_ratio_20": "volume ratio"}


@dataclass
class Profiles:
    """cohort_profiles as read, or why it was not: `rows` by (cohort, symbol) and interval."""

    available: bool
    reason: str = ""
    rows: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    """A figure for the JSON: null when missing or not finite (JSON has no NaN or Infinity)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def read_profiles(target: Target, as_of: datetime) -> Profiles:
    """cohort_profiles, when it exists and describes the leaderboards' as_of (else why not, for the printout)."""
    if not relation_exists(target, "cohort_profiles"):
        return Profiles(False, f"cohort_profiles not found: run `dbt run --select +profiles --target {target.name}`")
    quoted = ", ".join(quote_ident(target, c) for c in COLUMNS)
    names, rows = read_rows(target, f"select {quoted} from {target.relation('cohort_profiles')}")
    profiles = Profiles(True)
    for row in rows:
        record = dict(zip(names, row, strict=True))
        if record["as_of"] != as_of:
            return Profiles(
                False,
                f"cohort_profiles is as of {record['as_of']:%Y-%m-%d %H:%M:%S}, the leaderboards as of "
                f"{as_of:%Y-%m-%d %H:%M:%S}: run `dbt run --select profiles --target {target.name}`",
            )
        profiles.rows.setdefault((record["cohort"], record["symbol"]), {})[record["interval"]] = record
    return profiles


def member_profile(profiles: Profiles, cohort: str, symbol: str) -> dict[str, Any] | None:
    """The JSON of one member's profile: its regime fields and, per interval, every feature with its percentile
    and z-score; null when cohort_profiles is missing or stale, or has no row for the member."""
    by_interval = profiles.rows.get((cohort, symbol)) if profiles.available else None
    if not by_interval:
        return None
    any_row = next(iter(by_interval.values()))
    doc: dict[str, Any] = {"regime": any_row["regime"]}
    doc.update({name: _number(any_row[name]) for name in MEMBER_FIELDS[1:]})
    if doc["ma_trend"] is not None:
        doc["ma_trend"] = int(doc["ma_trend"])
    intervals = {}
    for interval in sorted(by_interval, key=_interval_order):
        row = by_interval[interval]
        entry: dict[str, Any] = {
            "candle_at": row["candle_at"].strftime("%Y-%m-%d %H:%M:%S"),
            "baseline_n": int(row["baseline_n"]),
        }
        for feature in FEATURES:
            entry[feature] = {
                "value": _number(row[feature]),
                "pctile": _number(row[f"{feature}_pctile"]),
                "z": _number(row[f"{feature}_z"]),
            }
        intervals[interval] = entry
    doc["intervals"] = intervals
    return doc


def _interval_order(interval: str) -> int:
    return PROFILE_INTERVALS.index(interval) if interval in PROFILE_INTERVALS else -1


def _value_and_pctile(row: dict[str, Any] | None, feature: str) -> str:
    if row is None or _number(row[feature]) is None:
        return "n/a"
    value = float(row[feature])
    text = f"{value:.2f}x" if feature == "volume_ratio_20" else f"{value:.1f}"
    pctile = _number(row[f"{feature}_pctile"])
    return text + (f" (p{pctile:.0f})" if pctile is not None else "")


def profile_lines(profiles: Profiles, cohort: str, symbols: list[str], title: str) -> list[str]:
    """The printed profile table of one cohort: regime, RSI and NATR at 1h and 1d, the 1h volume ratio, each with
    its percentile against the member's own history (p0-p100)."""
    lines = ["", f"-- profiles, {title} (value and percentile against the member's own baseline) --"]
    if not profiles.available:
        return [*lines, f"(no profiles: {profiles.reason})"]
    headers = ["symbol", "regime", *(f"{SHOWN_TITLES[f]} {i}" for i, f in SHOWN)]
    rows = []
    for symbol in symbols:
        by_interval = profiles.rows.get((cohort, symbol), {})
        regime = next((r["regime"] for r in by_interval.values()), None) if by_interval else None
        rows.append([symbol, regime or "n/a", *(_value_and_pctile(by_interval.get(i), f) for i, f in SHOWN)])
    return lines + (text_table(headers, rows) if rows else ["(none)"])


def csv_rows(profiles: Profiles, order: list[tuple[str, str]]) -> list[list[str]]:
    """cohort_profiles.csv: a header, then every row in cohort and rank order, intervals 1h, 4h, 1d; empty cells for
    NULL, times as 'YYYY-MM-DD HH:MM:SS', numbers as Python writes them (shortest round trip)."""
    out = [list(COLUMNS)]
    for key in order:
        for interval in sorted(profiles.rows.get(key, {}), key=_interval_order):
            row = profiles.rows[key][interval]
            out.append([_cell(row[column]) for column in COLUMNS])
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def write_profiles_csv(rows: list[list[str]], path: Path) -> int:
    """Write the rows whole or not at all; returns the data rows written."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return len(rows) - 1
