"""The indicator chart of plot_indicators.py: one symbol and interval, read from candles_<i> and indicators_<i>.

Panes, sharing the time axis: candlesticks with the Bollinger bands (20, 2) and EMA 12 and 26; volume; RSI 14
with its 30 and 70 lines; MACD (12, 26, 9) with its signal and histogram. The in-progress candle is drawn
hollow. `read_chart` reads the rows, `draw_chart` draws them (pure: a frame in, a file out).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import JobFailed, UsageError
from .indicators_catalog import INDICATOR_INTERVALS
from .warehouse import Target, param, read_rows, relation_exists

log = logging.getLogger("pipeline.indicator_plot")

CANDLE_SECONDS = {"15m": 900, "1h": 3600, "4h": 14400, "1d": 86400}
COLUMNS = ("candle_at", "open", "high", "low", "close", "volume", "is_complete", "ema_12", "ema_26",
           "bb_upper_20", "bb_middle_20", "bb_lower_20", "rsi_14", "macd", "macd_signal", "macd_hist")


def read_chart(target: Target, symbol: str, interval: str, days: float) -> pd.DataFrame:
    """The last `days` days of the symbol's candles (up to its newest), with their indicators."""
    if interval not in INDICATOR_INTERVALS:
        raise UsageError(f"--interval: expected one of {', '.join(INDICATOR_INTERVALS)}, got {interval!r}")
    candles, indicators = f"candles_{interval}", f"indicators_{interval}"
    for name in (candles, indicators):
        if not relation_exists(target, name):
            raise JobFailed(f"{target.relation(name)} does not exist: build it with `dbt run --select +indicators`")
    p = param(target)
    _, newest = read_rows(target, f"select max(candle_at) from {target.relation(candles)} where symbol = {p}",
                          (symbol,))
    if newest[0][0] is None:
        _, known = read_rows(target, f"select distinct symbol from {target.relation(candles)} order by symbol")
        names = [r[0] for r in known]
        hint = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "") if names else "the table is empty"
        raise UsageError(f"--symbol: {symbol!r} has no {interval} candles ({hint})")
    since = pd.Timestamp(newest[0][0]) - timedelta(days=days)
    indicator_columns = ", ".join(f"i.{c}" for c in COLUMNS if c not in ("candle_at", "open", "high", "low", "close",
                                                                           "volume", "is_complete"))
    sql = (f"select c.candle_at, c.open, c.high, c.low, c.close, c.volume, c.is_complete, {indicator_columns} "
           f"from {target.relation(candles)} as c inner join {target.relation(indicators)} as i "
           f"on c.symbol = i.symbol and c.candle_at = i.candle_at "
           f"where c.symbol = {p} and c.candle_at > {p} order by c.candle_at")
    names, rows = read_rows(target, sql, (symbol, since.to_pydatetime()))
    frame = pd.DataFrame(rows, columns=names)
    for column in COLUMNS[1:]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["candle_at"] = pd.to_datetime(frame["candle_at"])
    log.info("%s %s: %d candles from %s", symbol, interval, len(frame), since)
    return frame


def draw_chart(frame: pd.DataFrame, symbol: str, interval: str, path: Path) -> None:
    """The four panes of the module docstring into `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width = pd.Timedelta(seconds=CANDLE_SECONDS[interval] * 0.7)
    x = frame["candle_at"]
    up = frame["close"] >= frame["open"]
    colour = np.where(up, "#26a69a", "#ef5350")
    fig, (price, volume, rsi, macd) = plt.subplots(
        4, 1, figsize=(13, 10), sharex=True, height_ratios=[4, 1.2, 1.5, 1.5], layout="constrained")
    price.vlines(x, frame["low"], frame["high"], color=colour, linewidth=0.8)
    bodies = price.bar(x, (frame["close"] - frame["open"]).abs(), bottom=frame[["open", "close"]].min(axis=1),
                       width=width, color=colour, edgecolor=colour, linewidth=0.6)
    for bar, complete in zip(bodies, frame["is_complete"].astype(bool), strict=True):
        if not complete:
            bar.set_facecolor("none")
    price.plot(x, frame["bb_upper_20"], color="#7e57c2", linewidth=0.8, label="Bollinger 20, 2")
    price.plot(x, frame["bb_lower_20"], color="#7e57c2", linewidth=0.8)
    price.fill_between(x, frame["bb_lower_20"], frame["bb_upper_20"], color="#7e57c2", alpha=0.06)
    price.plot(x, frame["ema_12"], color="#ff9800", linewidth=1.0, label="EMA 12")
    price.plot(x, frame["ema_26"], color="#2196f3", linewidth=1.0, label="EMA 26")
    price.set_title(f"{symbol} {interval}")
    price.legend(loc="upper left", fontsize=8)
    price.grid(alpha=0.3)
    volume.bar(x, frame["volume"], width=width, color=colour, alpha=0.7)
    volume.set_ylabel("volume")
    rsi.plot(x, frame["rsi_14"], color="#5c6bc0", linewidth=1.0)
    for level in (30, 70):
        rsi.axhline(level, color="grey", linewidth=0.7, linestyle="--")
    rsi.set_ylim(0, 100)
    rsi.set_ylabel("RSI 14")
    macd.bar(x, frame["macd_hist"], width=width, color=np.where(frame["macd_hist"] >= 0, "#26a69a", "#ef5350"),
             alpha=0.6, label="histogram")
    macd.plot(x, frame["macd"], color="#2196f3", linewidth=1.0, label="MACD 12, 26")
    macd.plot(x, frame["macd_signal"], color="#ff9800", linewidth=1.0, label="signal 9")
    macd.legend(loc="upper left", fontsize=8)
    macd.set_ylabel("MACD")
    for ax in (volume, rsi, macd):
        ax.grid(alpha=0.3)
    fig.savefig(path, dpi=110)
    plt.close(fig)
