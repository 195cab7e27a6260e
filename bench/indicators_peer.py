"""The peer of the indicator models: the round trip a user writes today, run as a process of its own.

Per symbol: read its minute bars into pandas (read_sql), resample them into 5m, 15m, 1h, 4h and 1d
candles, compute the spec's indicators with TA-Lib (and the five range-based volatility estimators with
pandas rolling windows), then write every candle and indicator table back (peer_candles_<i>,
peer_indicators_<i>; to_sql through SQLAlchemy on MariaDB, a registered frame on DuckDB). It keeps no
state, so a run after new bars does the same work again: recursive indicators need the whole history.

`python -m bench.indicators_peer [--target T]` prints one JSON line: seconds (from the process's start, its
imports included, as bench.child_dbt counts dbt's), peak resident memory (MB) and the rows written.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402  (the imports are part of what the round trip costs, 0.45 s)
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import talib  # noqa: E402

from bench.peak import peak_resident_mb  # noqa: E402
from pipeline.warehouse import Target, connect, load_target  # noqa: E402

log = logging.getLogger("bench.indicators_peer")
RULES = {"5m": "5min", "15m": "15min", "1h": "1h", "4h": "4h", "1d": "1D"}
INDICATOR_INTERVALS = ("15m", "1h", "4h", "1d")


def resample(bars: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Epoch-aligned candles of the intervals that hold a bar."""
    frame = bars.set_index("timestamp")
    frame["close_volume"] = frame["close"] * frame["volume"]
    grouped = frame.resample(rule, label="left", closed="left", origin="epoch")
    out = grouped.agg({"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum",
                       "close_volume": "sum"})
    out["trades"] = grouped["trades"].sum(min_count=1)
    out["bar_count"] = grouped["close"].count()
    out = out[out["bar_count"] > 0].copy()
    out["vwap"] = out["close_volume"] / out["volume"].where(out["volume"] != 0)
    return out.drop(columns="close_volume").reset_index().rename(columns={"timestamp": "candle_at"})


def indicators(candles: pd.DataFrame) -> pd.DataFrame:
    o, h, lo, c, v = (candles[k].to_numpy(dtype=float) for k in ("open", "high", "low", "close", "volume"))
    out = pd.DataFrame({"candle_at": candles["candle_at"], "close": c})
    for n in (20, 50, 200):
        out[f"sma_{n}"] = talib.SMA(c, n)
    for n in (12, 26, 50, 200):
        out[f"ema_{n}"] = talib.EMA(c, n)
    out["macd"], out["macd_signal"], out["macd_hist"] = talib.MACD(c, 12, 26, 9)
    out["rsi_14"] = talib.RSI(c, 14)
    out["stoch_k"], out["stoch_d"] = talib.STOCH(h, lo, c, 14, 3, 0, 3, 0)
    out["willr_14"] = talib.WILLR(h, lo, c, 14)
    out["cci_20"] = talib.CCI(h, lo, c, 20)
    out["mfi_14"] = talib.MFI(h, lo, c, v, 14)
    out["roc_10"] = talib.ROC(c, 10)
    out["atr_14"], out["natr_14"] = talib.ATR(h, lo, c, 14), talib.NATR(h, lo, c, 14)
    out["plus_di_14"], out["minus_di_14"] = talib.PLUS_DI(h, lo, c, 14), talib.MINUS_DI(h, lo, c, 14)
    out["adx_14"] = talib.ADX(h, lo, c, 14)
    out["bb_upper_20"], out["bb_middle_20"], out["bb_lower_20"] = talib.BBANDS(c, 20, 2, 2, 0)
    out["obv"] = talib.OBV(c, v)
    s = pd.DataFrame({"o": o, "h": h, "l": lo, "c": c})
    log_return = np.log(s["c"] / s["c"].shift())
    hl, co = np.log(s["h"] / s["l"]), np.log(s["c"] / s["o"])
    out["realized_vol_20"] = log_return.rolling(20).std()
    out["parkinson_vol_20"] = np.sqrt((hl**2 / (4 * math.log(2))).rolling(20).mean())
    gk = (0.5 * hl**2 - (2 * math.log(2) - 1) * co**2).rolling(20).mean()
    out["garman_klass_vol_20"] = np.sqrt(gk.where(gk >= 0))
    rs = (np.log(s["h"] / s["c"]) * np.log(s["h"] / s["o"]) + np.log(s["l"] / s["c"]) * np.log(s["l"] / s["o"]))
    rs_mean = rs.rolling(20).mean()
    out["rogers_satchell_vol_20"] = np.sqrt(rs_mean)
    k = 0.34 / (1.34 + 21 / 19)
    overnight = np.log(s["o"] / s["c"].shift())
    out["yang_zhang_vol_20"] = np.sqrt(overnight.rolling(20).var() + k * co.rolling(20).var() + (1 - k) * rs_mean)
    return out


def _engine(target: Target):
    import sqlalchemy as sa

    url = sa.URL.create("mysql+pymysql", username=target.user, password=target.password, host=target.host,
                        port=target.port, database=target.schema)
    return sa.create_engine(url)


def write(target: Target, tables: dict[str, pd.DataFrame]) -> int:
    if target.type == "duckdb":
        con = connect(target)
        try:
            for name, frame in tables.items():
                con.register("frame", frame)
                con.execute(f"create or replace table {target.relation(name)} as select * from frame")
                con.unregister("frame")
        finally:
            con.close()
    else:
        engine = _engine(target)
        with engine.begin() as con:
            for name, frame in tables.items():
                frame.to_sql(name, con, if_exists="replace", index=False, method="multi", chunksize=2000)
        engine.dispose()
    return sum(len(f) for f in tables.values())


def bar_reader(target: Target):
    """(symbols, read(symbol) -> its bars) the way a user reads them: DuckDB's .df(), else read_sql."""
    if target.type == "duckdb":
        con = connect(target)
        symbols = [r[0] for r in con.execute("select distinct symbol from ohlcvt order by symbol").fetchall()]
        sql = "select timestamp, open, high, low, close, volume, trades from ohlcvt where symbol = ? order by timestamp"
        return symbols, lambda symbol: con.execute(sql, [symbol]).df(), con.close
    import sqlalchemy as sa

    engine = _engine(target)
    con = engine.connect()
    symbols = [r[0] for r in con.execute(sa.text("select distinct symbol from ohlcvt order by symbol"))]
    sql = sa.text("select timestamp, open, high, low, close, volume, trades from ohlcvt "
                  "where symbol = :symbol order by timestamp")
    return symbols, lambda symbol: pd.read_sql(sql, con, params={"symbol": symbol}), lambda: (con.close(),
                                                                                              engine.dispose())


def round_trip(target: Target) -> int:
    symbols, read, close = bar_reader(target)
    candles: dict[str, list[pd.DataFrame]] = {i: [] for i in RULES}
    indicator_frames: dict[str, list[pd.DataFrame]] = {i: [] for i in INDICATOR_INTERVALS}
    try:
        for n, symbol in enumerate(symbols, 1):
            bars = read(symbol)
            bars["timestamp"] = pd.to_datetime(bars["timestamp"])
            for interval, rule in RULES.items():
                table = resample(bars, rule).assign(symbol=symbol)
                candles[interval].append(table)
                if interval in INDICATOR_INTERVALS:
                    indicator_frames[interval].append(indicators(table).assign(symbol=symbol))
            if n % 20 == 0:
                log.info("%d/%d symbols", n, len(symbols))
    finally:
        close()
    tables = {f"peer_candles_{i}": pd.concat(f, ignore_index=True) for i, f in candles.items()}
    tables |= {f"peer_indicators_{i}": pd.concat(f, ignore_index=True) for i, f in indicator_frames.items()}
    return write(target, tables)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.indicators_peer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", help="dbt target (default: the profile's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    rows = round_trip(load_target(args.target))
    seconds = time.perf_counter() - STARTED
    peak = peak_resident_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
