#!/usr/bin/env python3
"""Draw one symbol's candles and standard indicators from the warehouse (candles_<i>, indicators_<i>).

Panes: candlesticks with Bollinger bands (20, 2) and EMA 12 and 26, volume, RSI 14 with its 30/70 lines,
and MACD (12, 26, 9) with its signal and histogram; the in-progress candle is hollow. Build the tables with
`dbt run --select +indicators`. Exit codes: 0 drawn, 2 bad flags (an unknown symbol or interval), 1 failure
(the tables do not exist, the warehouse is down).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipeline import cli
from pipeline.files import writable_file
from pipeline.indicator_plot import draw_chart, read_chart
from pipeline.indicators_catalog import INDICATOR_INTERVALS
from pipeline.warehouse import load_target

log = logging.getLogger("pipeline.plot_indicators")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("plot_indicators.py", __doc__)
    parser.add_argument("--symbol", required=True, help="the symbol, as in the bars table")
    parser.add_argument("--interval", default="1h", choices=INDICATOR_INTERVALS, help="candle interval (default 1h)")
    parser.add_argument("--days", type=cli.bounded(float, above=0, maximum=3650), default=14.0,
                        help="days of candles before the symbol's newest (default 14)")
    parser.add_argument("--out", type=Path, help="PNG to write (default indicators_<symbol>_<interval>.png)")
    cli.add_target_flags(parser)
    cli.add_verbosity_flags(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    out = writable_file(args.out or Path(f"indicators_{args.symbol}_{args.interval}.png"), "--out")
    frame = read_chart(load_target(args.target, args.profiles_dir), args.symbol, args.interval, args.days)
    draw_chart(frame, args.symbol, args.interval, out)
    log.info("wrote %s (%d candles)", out, len(frame))
    return 0


if __name__ == "__main__":
    cli.entry(main)
