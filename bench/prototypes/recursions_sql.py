"""Prototype: TA-Lib's recursive indicators (EMA, MACD, RSI, ATR, +DI/-DI, ADX, OBV) in set-based SQL.

Every one of them is a first-order linear recursion y_t = r * y_(t-1) + z_t from a seed y_s. Unrolled,
y_t = sum over j of r^(t-j) z_j, a weighted running sum. r^(-j) overflows after ~700 / |ln r| rows, so the
sequence is cut into blocks of B = ceil(50 / |ln r|) rows: inside a block the weights are relative to the
block start (at most e^50), and the previous block's end carries in with weight r^(o+1). What came before the
previous block weighs less than r^B = e^-50 (2e-22) and is dropped. All window functions and one join per
recursion: no recursive CTE, so it runs on MariaDB 10.11 too. docs/indicators.md has the findings.

Run: python bench/prototypes/recursions_sql.py [--symbols 100 --candles 5760] [--mariadb]
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time

import numpy as np
import pandas as pd
import talib

log = logging.getLogger(__name__)
TRUNCATION_EXPONENT = 50.0  # r^B = e^-50: the dropped tail weighs 2e-22 of the value


def block_size(r: float) -> int:
    return max(1, math.ceil(TRUNCATION_EXPONENT / -math.log(r)))


def recursion_sql(source: str, name: str, seed_at: int | str, k: float, r: float, clock: str = "i") -> str:
    """A query of (symbol, i, <name>) for y_t = r y_(t-1) + k x_t from y = seed at i = seed_at.

    `source` has symbol, i, x (the input), seed (the seed value, read at i = seed_at) and the column `clock`:
    the exponent's time, i for a plain recursion; a count that stands still on rows that leave y unchanged.
    `seed_at` is a candle index, or a column of `source` (an incremental run: each symbol's stored state row).
    """
    b = block_size(r)
    k, r = f"{k:.17e}", f"{r:.17e}"  # approximate-number literals: doubles on every engine, not DECIMAL
    return f"""
with terms as (
    select symbol, i, {clock} - first_value({clock}) over (partition by symbol order by i) as step,
        case when i = {seed_at} then seed else {k} * x end as z
    from {source}
    where i >= {seed_at}
),
blocked as (
    select symbol, i, z, floor(step / {b}) as blk, step - floor(step / {b}) * {b} as o
    from terms
),
local_part as (
    select symbol, i, blk, o,
        power({r}, o) * sum(power({r}, -o) * z) over (
            partition by symbol, blk order by i rows between unbounded preceding and current row
        ) as part
    from blocked
),
block_end as (
    select symbol, blk, min(part) as end_part from local_part where o = {b - 1} group by symbol, blk
)
select l.symbol, l.i, l.part + coalesce(power({r}, l.o + 1) * e.end_part, 0) as {name}
from local_part as l
left join block_end as e on e.symbol = l.symbol and e.blk = l.blk - 1
"""


def statements(n_rsi: int = 14) -> list[tuple[str, str]]:
    """(table, select) in execution order; every statement is `create table <table> as <select>`."""
    out = [
        (
            "seq",
            """
select symbol, i, high, low, close, volume,
    close - lag(close) over w as close_change,
    greatest(high - low, abs(lag(close) over w - high), abs(lag(close) over w - low)) as tr,
    high - lag(high) over w as up, lag(low) over w - low as down
from (select *, row_number() over (partition by symbol order by candle_at) - 1 as i from candles) as numbered
window w as (partition by symbol order by i)
""",
        ),
        (
            "seq_dm",
            """
select *,
    case when down > 0 and up < down then down else 0 end as minus_dm,
    case when up > 0 and up > down then up else 0 end as plus_dm,
    case when close_change > 0 then close_change else 0 end as gain,
    case when close_change < 0 then -close_change else 0 end as loss
from seq
""",
        ),
    ]
    for n in (12, 26, 50, 200):
        src = f"(select symbol, i, close as x, avg(close) over (partition by symbol order by i rows {n - 1} preceding)"
        out.append(
            (
                f"ema_{n}",
                recursion_sql(f"{src} as seed from seq) as s", f"ema_{n}", n - 1, 2 / (n + 1), 1 - 2 / (n + 1)),
            )
        )
    # MACD's fast EMA: seeded at candle 25 with the mean of closes 14..25
    src = "(select symbol, i, close as x, avg(close) over (partition by symbol order by i rows 11 preceding) as seed"
    out.append(("macd_fast", recursion_sql(f"{src} from seq) as s", "macd_fast", 25, 2 / 13, 11 / 13)))
    out.append(
        (
            "macd_line",
            """
select f.symbol, f.i, f.macd_fast - s.ema_26 as x,
    avg(f.macd_fast - s.ema_26) over (partition by f.symbol order by f.i rows 8 preceding) as seed
from macd_fast as f join ema_26 as s on s.symbol = f.symbol and s.i = f.i
""",
        )
    )
    out.append(("macd_signal", recursion_sql("macd_line", "macd_signal", 33, 0.2, 0.8)))
    n = n_rsi
    for col, seed_at, k, agg in (
        ("gain", n, 1 / n, "avg"),
        ("loss", n, 1 / n, "avg"),
        ("tr", n, 1 / n, "avg"),
        ("plus_dm", n - 1, 1.0, "sum"),
        ("minus_dm", n - 1, 1.0, "sum"),
        ("tr_sum", n - 1, 1.0, "sum"),
    ):
        x = "tr" if col == "tr_sum" else col
        src = (
            f"(select symbol, i, {x} as x, {agg}({x}) over (partition by symbol order by i rows "
            f"{seed_at - 1 if agg == 'sum' else n - 1} preceding) as seed from seq_dm where i >= 1) as s"
        )
        out.append((f"w_{col}", recursion_sql(src, f"w_{col}", seed_at, k, (n - 1) / n)))
    out.append(
        (
            "dx",
            f"""
select p.symbol, p.i, p.w_plus_dm, m.w_minus_dm, t.w_tr_sum,
    case when t.w_tr_sum <> 0 then 100 * (p.w_plus_dm / t.w_tr_sum) else 0 end as plus_di,
    case when t.w_tr_sum <> 0 then 100 * (m.w_minus_dm / t.w_tr_sum) else 0 end as minus_di
from w_plus_dm as p
join w_minus_dm as m on m.symbol = p.symbol and m.i = p.i
join w_tr_sum as t on t.symbol = p.symbol and t.i = p.i
where p.i >= {n}
""",
        )
    )
    out.append(
        (
            "dx2",
            """
select symbol, i, plus_di, minus_di,
    case when w_tr_sum <> 0 and plus_di + minus_di <> 0
        then 100 * (abs(minus_di - plus_di) / (minus_di + plus_di)) end as dx
from dx
""",
        )
    )
    # ADX: seeded at 2n-1 with the sum of the first n DX / n (an undefined DX adds 0); later an undefined DX
    # leaves ADX unchanged, so the exponent's clock counts only the rows with a DX.
    out.append(
        (
            "adx_src",
            f"""
select symbol, i, coalesce(dx, 0) as x,
    sum(coalesce(dx, 0)) over (partition by symbol order by i rows {n - 1} preceding) / {n} as seed,
    sum(case when dx is null then 0 else 1 end) over (partition by symbol order by i) as defined_count
from dx2
""",
        )
    )
    out.append(("adx", recursion_sql("adx_src", "adx", 2 * n - 1, 1 / n, (n - 1) / n, clock="defined_count")))
    out.append(
        (
            "obv",
            """
select symbol, i, sum(case when i = 0 then volume when close_change > 0 then volume when close_change < 0 then -volume
    else 0 end) over (partition by symbol order by i rows between unbounded preceding and current row) as obv
from seq
""",
        )
    )
    out.append(
        (
            "indicators",
            """
select q.symbol, q.i, q.close, e12.ema_12, e26.ema_26, e50.ema_50, e200.ema_200,
    case when q.i >= 33 then f.macd_fast - e26.ema_26 end as macd, sg.macd_signal,
    case when q.i >= 33 then f.macd_fast - e26.ema_26 - sg.macd_signal end as macd_hist,
    case when g.w_gain + l.w_loss > 0 then 100 * (g.w_gain / (g.w_gain + l.w_loss))
        when g.i is not null then 0 end as rsi_14,
    a.w_tr as atr_14,
    case when a.i is null then null when q.close <> 0 then a.w_tr / q.close * 100 else 0 end as natr_14,
    d.plus_di as plus_di_14, d.minus_di as minus_di_14, x.adx as adx_14, o.obv
from seq as q
left join ema_12 as e12 on e12.symbol = q.symbol and e12.i = q.i
left join ema_26 as e26 on e26.symbol = q.symbol and e26.i = q.i
left join ema_50 as e50 on e50.symbol = q.symbol and e50.i = q.i
left join ema_200 as e200 on e200.symbol = q.symbol and e200.i = q.i
left join macd_fast as f on f.symbol = q.symbol and f.i = q.i
left join macd_signal as sg on sg.symbol = q.symbol and sg.i = q.i
left join w_gain as g on g.symbol = q.symbol and g.i = q.i
left join w_loss as l on l.symbol = q.symbol and l.i = q.i
left join w_tr as a on a.symbol = q.symbol and a.i = q.i
left join dx as d on d.symbol = q.symbol and d.i = q.i
left join adx as x on x.symbol = q.symbol and x.i = q.i
left join obv as o on o.symbol = q.symbol and o.i = q.i
""",
        )
    )
    return out


FUSED_BLOCK = 2048  # one block size for every r: within a block weights reach at most e^(0.223 * 2047) (MACD signal)


def _lit(x: float) -> str:
    return f"{x:.17e}"


def _carry_lags(r: float) -> int:
    """Previous blocks whose end still weighs more than e^-46 (1e-20) after a whole block: R^m, R = r^B."""
    return 1 if r == 1.0 else max(1, math.ceil(46.0 / (FUSED_BLOCK * -math.log(r))))


# name -> (r, z: the term at each row given the seed row, the input and the rows before the seed)
def _fused_recursions(n: int = 14) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    for p in (12, 26, 50, 200):
        k = 2 / (p + 1)
        out[f"ema_{p}"] = (
            1 - k,
            f"case when i < {p - 1} then 0 when i = {p - 1} then seed_ema_{p} else {_lit(k)} * close end",
        )
    out["macd_fast"] = (
        11 / 13,
        f"case when i < 25 then 0 when i = 25 then seed_macd_fast else {_lit(2 / 13)} * close end",
    )
    for col in ("gain", "loss", "tr"):
        out[f"w_{col}"] = (
            (n - 1) / n,
            f"case when i < {n} then 0 when i = {n} then seed_w_{col} else {_lit(1 / n)} * {col} end",
        )
    for col, x in (("plus_dm", "plus_dm"), ("minus_dm", "minus_dm"), ("tr_sum", "tr")):
        out[f"w_{col}"] = ((n - 1) / n, f"case when i < {n - 1} then 0 when i = {n - 1} then seed_w_{col} else {x} end")
    out["obv"] = (
        1.0,
        "case when i = 0 then volume when close_change > 0 then volume when close_change < 0 then -volume else 0 end",
    )
    return out


def _local_and_carry(source: str, recursions: dict[str, tuple[float, str]], keep: str) -> list[tuple[str, str]]:
    """Two statements: per-block running sums of every recursion in ONE window, then the block-end carries."""
    b = FUSED_BLOCK
    sums = ",\n    ".join(
        f"{'' if r == 1.0 else f'power({_lit(r)}, o) * '}sum({'' if r == 1.0 else f'power({_lit(r)}, -o) * '}({z})) "
        f"over w as {name}_local"
        for name, (r, z) in recursions.items()
    )
    local = f"""
select symbol, i, blk, o, {keep},
    {sums}
from {source}
window w as (partition by symbol, blk order by i rows between unbounded preceding and current row)
"""
    carried = []
    for name, (r, _) in recursions.items():
        if r == 1.0:  # a plain running sum: every earlier block carries in full
            carried.append(f"sum({name}_local) over (partition by symbol order by blk) as {name}_end")
        else:  # Y_b = E_b + R E_(b-1) + R^2 E_(b-2) ..., R = r^B, cut where R^m < 1e-20
            terms = [f"{name}_local"] + [
                f"coalesce({_lit(r ** (b * m))} * lag({name}_local, {m}) over (partition by symbol order by blk), 0)"
                for m in range(1, _carry_lags(r) + 1)
            ]
            carried.append(f"{' + '.join(terms)} as {name}_end")
    ends = f"""
select symbol, blk, {", ".join(carried)}
from {{local}} where o = {b - 1}
"""
    return [("local", local), ("ends", ends)]


def _values(local: str, ends: str, recursions: dict[str, tuple[float, str]], keep: str) -> str:
    cols = ",\n    ".join(
        f"l.{name}_local + coalesce({'' if r == 1.0 else f'power({_lit(r)}, l.o + 1) * '}e.{name}_end, 0) as {name}"
        for name, (r, _) in recursions.items()
    )
    return f"""
select l.symbol, l.i, l.blk, l.o, {", ".join("l." + c.strip() for c in keep.split(","))},
    {cols}
from {local} as l left join {ends} as e on e.symbol = l.symbol and e.blk = l.blk - 1
"""


def statements_fused(n: int = 14) -> list[tuple[str, str]]:
    """The same indicators in 7 statements: all recursions of the closes share one window pass (and one block
    size), the MACD signal and ADX a second; a block's carry comes from the block-end rows."""
    b = FUSED_BLOCK
    seeds = ", ".join(
        f"avg(close) over (partition by symbol order by i rows {p - 1} preceding) as seed_ema_{p}"
        for p in (12, 26, 50, 200)
    )
    seq = f"""
select *, floor(i / {b}) as blk, i - floor(i / {b}) * {b} as o,
    {seeds},
    avg(close) over (partition by symbol order by i rows 11 preceding) as seed_macd_fast,
    avg(gain) over (partition by symbol order by i rows {n - 1} preceding) as seed_w_gain,
    avg(loss) over (partition by symbol order by i rows {n - 1} preceding) as seed_w_loss,
    avg(tr) over (partition by symbol order by i rows {n - 1} preceding) as seed_w_tr,
    sum(plus_dm) over (partition by symbol order by i rows {n - 2} preceding) as seed_w_plus_dm,
    sum(minus_dm) over (partition by symbol order by i rows {n - 2} preceding) as seed_w_minus_dm,
    sum(tr) over (partition by symbol order by i rows {n - 2} preceding) as seed_w_tr_sum
from (
    select *,
        case when down > 0 and up < down then down else 0 end as minus_dm,
        case when up > 0 and up > down then up else 0 end as plus_dm,
        case when close_change > 0 then close_change else 0 end as gain,
        case when close_change < 0 then -close_change else 0 end as loss
    from (
        select symbol, i, high, low, close, volume,
            close - lag(close) over w as close_change,
            greatest(high - low, abs(lag(close) over w - high), abs(lag(close) over w - low)) as tr,
            high - lag(high) over w as up, lag(low) over w - low as down
        from (select *, row_number() over (partition by symbol order by candle_at) - 1 as i from candles) as numbered
        window w as (partition by symbol order by i)
    ) as moves
) as inputs
"""
    first = _fused_recursions(n)
    (_, local1), (_, ends1) = _local_and_carry("f_seq", first, "close")
    second = {
        "macd_signal": (0.8, f"case when i < 33 then 0 when i = 33 then seed_signal else {_lit(0.2)} * macd_line end"),
        "adx": (
            (n - 1) / n,
            f"case when i < {2 * n - 1} then 0 when i = {2 * n - 1} then seed_adx "
            f"else {_lit(1 / n)} * coalesce(dx, 0) end",
        ),
    }
    # an undefined DX leaves TA-Lib's ADX unchanged; this decays it instead, which is the same thing as long as
    # DX is undefined only before the first move (ADX still 0): the Wilder sums are never exactly 0 afterwards
    di = f"""
select *,
    case when i >= 25 then macd_fast - ema_26 end as macd_line,
    case when i >= {n} then case when w_tr_sum <> 0 then 100 * (w_plus_dm / w_tr_sum) else 0 end end as plus_di,
    case when i >= {n} then case when w_tr_sum <> 0 then 100 * (w_minus_dm / w_tr_sum) else 0 end end as minus_di
from f_values1
"""
    dx = f"""
select *,
    avg(macd_line) over (partition by symbol order by i rows 8 preceding) as seed_signal,
    sum(coalesce(dx, 0)) over (partition by symbol order by i rows {n - 1} preceding) / {n} as seed_adx
from (
    select *, case when w_tr_sum <> 0 and plus_di + minus_di <> 0
        then 100 * (abs(minus_di - plus_di) / (minus_di + plus_di)) end as dx
    from f_di
) as with_dx
"""
    keep2 = "close, ema_12, ema_26, ema_50, ema_200, macd_line, w_gain, w_loss, w_tr, plus_di, minus_di, obv"
    (_, local2), (_, ends2) = _local_and_carry("f_dx", second, keep2)
    final = f"""
select symbol, i, close,
    case when i >= 11 then ema_12 end as ema_12, case when i >= 25 then ema_26 end as ema_26,
    case when i >= 49 then ema_50 end as ema_50, case when i >= 199 then ema_200 end as ema_200,
    case when i >= 33 then macd_line end as macd, case when i >= 33 then macd_signal end as macd_signal,
    case when i >= 33 then macd_line - macd_signal end as macd_hist,
    case when i < {n} then null when w_gain + w_loss > 0 then 100 * (w_gain / (w_gain + w_loss)) else 0 end as rsi_14,
    case when i >= {n} then w_tr end as atr_14,
    case when i < {n} then null when close <> 0 then w_tr / close * 100 else 0 end as natr_14,
    plus_di as plus_di_14, minus_di as minus_di_14, case when i >= {2 * n - 1} then adx end as adx_14, obv
from f_values2
"""
    return [
        ("f_seq", seq),
        ("f_local1", local1),
        ("f_ends1", ends1.replace("{local}", "f_local1")),
        ("f_values1", _values("f_local1", "f_ends1", first, "close")),
        ("f_di", di),
        ("f_dx", dx),
        ("f_local2", local2),
        ("f_ends2", ends2.replace("{local}", "f_local2")),
        ("f_values2", _values("f_local2", "f_ends2", second, keep2)),
        ("indicators", final),
    ]


def generate(symbols: int, candles: int, seed: int = 17, short_symbols: bool = True) -> pd.DataFrame:
    """Random walks at several price levels with flat stretches, identical candles and zero volume; a few
    symbols are shorter than the lookbacks (1, 20 and 150 candles)."""
    rng = np.random.default_rng(seed)
    frames = []
    start = pd.Timestamp("2024-01-01", tz="UTC")
    full = candles
    for s in range(symbols):
        candles = {1: 1, 2: 20, 3: 150}.get(s % 25, full) if short_symbols else full
        level = 10.0 ** rng.uniform(-6, 5)
        moves = 0.003 * rng.standard_normal(candles) * (rng.random(candles) < 0.7)
        c = level * np.exp(np.cumsum(moves))
        o = np.r_[c[0], c[:-1]]
        wick = np.abs(rng.standard_normal(candles)) * 0.001 * (rng.random(candles) < 0.8)
        h, lo = np.maximum(o, c) * (1 + wick), np.minimum(o, c) * (1 - wick)
        if s % 10 == 0 and candles > 60:  # an opening stretch of identical candles: true range 0, DX undefined
            h[:60] = lo[:60] = c[:60] = o[:60] = c[60]
        v = rng.random(candles) * 100 * (rng.random(candles) < 0.9)
        frames.append(
            pd.DataFrame(
                {
                    "symbol": f"S{s:03d}",
                    "candle_at": start + pd.to_timedelta(np.arange(candles) * 900, unit="s"),
                    "open": o,
                    "high": h,
                    "low": lo,
                    "close": c,
                    "volume": v,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def talib_reference(candle_table: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for symbol, g in candle_table.groupby("symbol", sort=True):
        h, lo, c, v = (g[k].to_numpy(dtype=float) for k in ("high", "low", "close", "volume"))
        m, sg, hist = talib.MACD(c, 12, 26, 9)
        parts.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "i": np.arange(len(c)),
                    "ema_12": talib.EMA(c, 12),
                    "ema_26": talib.EMA(c, 26),
                    "ema_50": talib.EMA(c, 50),
                    "ema_200": talib.EMA(c, 200),
                    "macd": m,
                    "macd_signal": sg,
                    "macd_hist": hist,
                    "rsi_14": talib.RSI(c, 14),
                    "atr_14": talib.ATR(h, lo, c, 14),
                    "natr_14": talib.NATR(h, lo, c, 14),
                    "plus_di_14": talib.PLUS_DI(h, lo, c, 14),
                    "minus_di_14": talib.MINUS_DI(h, lo, c, 14),
                    "adx_14": talib.ADX(h, lo, c, 14),
                    "obv": talib.OBV(c, v),
                    "median_close": np.median(c),
                    "obv_scale": np.median(v) * len(v),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


PRICE_COLUMNS = ("ema_12", "ema_26", "ema_50", "ema_200", "macd", "macd_signal", "macd_hist", "atr_14")
OSCILLATORS = ("rsi_14", "natr_14", "plus_di_14", "minus_di_14", "adx_14")


def worst_errors(ours: pd.DataFrame, ref: pd.DataFrame) -> dict[str, tuple[float, int]]:
    """Per column: the largest |a - b| / max(|a|, |b|, scale) and the count of cells over 1e-9 (NULL mismatches too)."""
    m = ref.merge(ours, on=["symbol", "i"], suffixes=("", "_sql"))
    out = {}
    for col in (*PRICE_COLUMNS, *OSCILLATORS, "obv"):
        scale = m["median_close"] if col in PRICE_COLUMNS else (m["obv_scale"] if col == "obv" else 100.0)
        a, b = m[col].to_numpy(dtype=float), m[f"{col}_sql"].to_numpy(dtype=float)
        null_mismatch = int((np.isnan(a) != np.isnan(b)).sum())
        both = ~np.isnan(a) & ~np.isnan(b)
        rel = np.abs(a - b)[both] / np.maximum.reduce(
            [np.abs(a[both]), np.abs(b[both]), np.broadcast_to(np.asarray(scale, dtype=float), a.shape)[both]]
        )
        out[col] = (float(rel.max(initial=0.0)), int((rel > 1e-9).sum()) + null_mismatch)
    return out


def run_duckdb(candle_table: pd.DataFrame, threads: int, fused: bool = False) -> tuple[pd.DataFrame, float]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"set threads = {threads}")
    con.register("candles_df", candle_table)
    con.execute("create table candles as select * from candles_df")
    started = time.perf_counter()
    for table, select in statements_fused() if fused else statements():
        con.execute(f"create or replace table {table} as {select}")
    elapsed = time.perf_counter() - started
    return con.execute("select * from indicators").df(), elapsed


def incremental_check(candle_table: pd.DataFrame, new_candles: int, threads: int) -> float:
    """Continue EMA(12), RSI(14)'s averages and ATR(14) from the state stored at each symbol's last old candle.

    The state row (i = last old candle, seed = the stored value) is the seed of the same recursion; the new
    candles are its inputs. Returns the largest relative difference from the full run on the new candles.
    """
    import duckdb

    con = duckdb.connect()
    con.execute(f"set threads = {threads}")
    con.register("candles_df", candle_table)
    con.execute("create table candles as select * from candles_df")
    for table, select in statements():
        con.execute(f"create table {table} as {select}")
    con.execute(f"""create table state as
        select s.symbol, s.i, s.close, e.ema_12, g.w_gain, l.w_loss, a.w_tr
        from (select symbol, max(i) - {new_candles} as i from seq group by symbol) as last_old
        join seq as s using (symbol, i) join ema_12 as e using (symbol, i) join w_gain as g using (symbol, i)
        join w_loss as l using (symbol, i) join w_tr as a using (symbol, i)""")
    con.execute("""create table new_seq as
        select q.symbol, q.i, q.close, q.gain, q.loss, q.tr, st.i as seed_i
        from seq_dm as q join state as st on st.symbol = q.symbol and q.i > st.i""")
    worst = 0.0
    for name, state_col, x, k, r in (
        ("ema_12", "ema_12", "close", 2 / 13, 11 / 13),
        ("w_gain", "w_gain", "gain", 1 / 14, 13 / 14),
        ("w_loss", "w_loss", "loss", 1 / 14, 13 / 14),
        ("w_tr", "w_tr", "tr", 1 / 14, 13 / 14),
    ):
        source = f"""(select symbol, i, null as x, {state_col} as seed, i as seed_i from state
            union all select symbol, i, {x}, null, seed_i from new_seq) as src"""
        started = time.perf_counter()
        cont = con.execute(recursion_sql(source, name, "seed_i", k, r)).df()
        elapsed = time.perf_counter() - started
        full = con.execute(f"select * from {name}").df()
        m = cont.merge(full, on=["symbol", "i"], suffixes=("", "_full"))
        rel = (m[name] - m[f"{name}_full"]).abs() / m[f"{name}_full"].abs().clip(lower=1e-300)
        worst = max(worst, float(rel.max()))
        log.info(
            "  incremental %-7s %d rows in %.3f s, worst relative difference %.2e", name, len(cont), elapsed, rel.max()
        )
    return worst


def run_mariadb(candle_table: pd.DataFrame, fused: bool = False) -> tuple[pd.DataFrame, float]:
    """The same statements on a throwaway MariaDB 10.11 (each table gets its (symbol, i) key for the joins)."""
    import pymysql

    from pipeline.mariadb_server import throwaway_mariadb

    with throwaway_mariadb(buffer_pool="1G") as server:
        con = pymysql.connect(host="127.0.0.1", port=server.port, user="dbt", password="dbt", autocommit=True)
        cur = con.cursor()
        cur.execute("create database if not exists proto")
        cur.execute("use proto")
        cur.execute(
            "create table candles (symbol varchar(16), candle_at datetime, open double, high double, "
            "low double, close double, volume double, primary key (symbol, candle_at))"
        )
        rows = [
            (r.symbol, r.candle_at.to_pydatetime().replace(tzinfo=None), r.open, r.high, r.low, r.close, r.volume)
            for r in candle_table.itertuples(index=False)
        ]
        for start in range(0, len(rows), 20_000):
            cur.executemany("insert into candles values (%s, %s, %s, %s, %s, %s, %s)", rows[start : start + 20_000])
        # in-memory internal temporary tables: the window sorts stay off the shared /tmp
        cur.execute("set session tmp_memory_table_size = 2147483648, max_heap_table_size = 2147483648")
        started = time.perf_counter()
        for table, select in statements_fused() if fused else statements():
            step = time.perf_counter()
            cur.execute(f"create table {table} as {select}")
            cur.execute(f"alter table {table} add primary key (symbol, {'blk' if 'ends' in table else 'i'})")
            log.info("  MariaDB %-12s %.2f s", table, time.perf_counter() - step)
        elapsed = time.perf_counter() - started
        out = pd.read_sql("select * from indicators", con)
        con.close()
    return out, elapsed


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--candles", type=int, default=5760)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--uniform", action="store_true", help="every symbol has --candles candles (for timing)")
    parser.add_argument("--fused", action="store_true", help="the 10-statement design (statements_fused)")
    parser.add_argument("--mariadb", action="store_true", help="run on a throwaway MariaDB instead of DuckDB")
    parser.add_argument("--incremental", type=int, default=4, help="new candles to continue from stored state")
    args = parser.parse_args()
    candle_table = generate(args.symbols, args.candles, short_symbols=not args.uniform)
    ref = talib_reference(candle_table)
    engine = "MariaDB" if args.mariadb else "DuckDB"
    if args.mariadb:
        ours, elapsed = run_mariadb(candle_table, args.fused)
    else:
        ours, elapsed = run_duckdb(candle_table, args.threads, args.fused)
    design = "fused" if args.fused else "one recursion a statement"
    count = len(statements_fused() if args.fused else statements())
    log.info(
        "%s, %s: %d symbols x %d candles, %d statements, %.2f s",
        engine,
        design,
        args.symbols,
        args.candles,
        count,
        elapsed,
    )
    failures = 0
    for col, (worst, over) in worst_errors(ours, ref).items():
        log.info("  %-12s worst %.2e of max(|a|, |b|, scale); cells over 1e-9: %d", col, worst, over)
        failures += over
    if args.incremental and not args.mariadb:
        failures += incremental_check(candle_table, args.incremental, args.threads) > 1e-9
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
