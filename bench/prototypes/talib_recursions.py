"""TA-Lib 0.8.x's algorithms re-stated in plain numpy, step for step, and checked against the installed talib.

Read this next to docs/indicators.md ("What TA-Lib computes"): each function is the loop the SQL has to
reproduce (seed, recursion, degenerate-case rule). `python bench/prototypes/talib_recursions.py` prints, for each
indicator, the largest difference from talib on random walks and on crafted degenerate inputs.
"""

from __future__ import annotations

import logging
import sys

import numpy as np
import talib

log = logging.getLogger(__name__)
EPS = 1e-14  # TA_EPSILON in ta_utility.h (0.8.x)


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


def sma(x: np.ndarray, n: int) -> np.ndarray:
    # Running total: add the new value, emit total/n, then subtract the trailing one (ta_SMA.c).
    out = _nan(len(x))
    total = 0.0
    for i in range(len(x)):
        total += x[i]
        if i >= n - 1:
            out[i] = total / n
            total -= x[i - n + 1]
    return out


def ema(x: np.ndarray, n: int, seed_end: int | None = None) -> np.ndarray:
    # Seed: plain sum of the n values ending at seed_end (default n-1), divided by n; then prev + (x-prev)*k.
    k = 2.0 / (n + 1)
    out = _nan(len(x))
    end = n - 1 if seed_end is None else seed_end
    if len(x) <= end:
        return out
    total = 0.0
    for v in x[end - n + 1 : end + 1]:
        total += v
    prev = total / n
    out[end] = prev
    for i in range(end + 1, len(x)):
        prev = (x[i] - prev) * k + prev
        out[i] = prev
    return out


def macd(x: np.ndarray, fast: int = 12, slow: int = 26, signal: int = 9):
    # The fast EMA is seeded on the SAME bar as the slow one (the fast-period values ending at slow-1),
    # not at fast-1 as EMA(fast) is; the signal EMA is seeded with the mean of the first `signal` MACD values.
    m = ema(x, fast, seed_end=slow - 1) - ema(x, slow)
    first = slow - 1
    sig = _nan(len(x))
    if len(x) > first + signal - 1:
        sig[first:] = ema(m[first:], signal)
    hist = m - sig
    m = np.where(np.isnan(sig), np.nan, m)
    return m, sig, hist


def rsi(x: np.ndarray, n: int = 14) -> np.ndarray:
    # Seed: gains and losses of changes 1..n summed, times 1/n; then g = (g*(n-1) + gain) * (1/n).
    # The output is 100*g/(g+l), and 0 when g+l is exactly 0 (every change since the seed zero).
    out = _nan(len(x))
    if len(x) <= n:
        return out
    inv = 1.0 / n
    g = loss = 0.0
    for i in range(1, n + 1):
        d = x[i] - x[i - 1]
        gd = d if d > 0.0 else 0.0
        g += gd
        loss += gd - d
    g *= inv
    loss *= inv

    def value(gain: float, lss: float) -> float:
        t = gain + lss
        return 100.0 * (gain / t) if t > 0.0 else 0.0

    out[n] = value(g, loss)
    for i in range(n + 1, len(x)):
        d = x[i] - x[i - 1]
        gd = d if d > 0.0 else 0.0
        g = (g * (n - 1) + gd) * inv
        loss = (loss * (n - 1) + (gd - d)) * inv
        out[i] = value(g, loss)
    return out


def true_range(h: np.ndarray, lo: np.ndarray, c: np.ndarray, i: int) -> float:
    # high-low, replaced by |prev close - high| then |prev close - low| when larger (ta_ATR.c order).
    g = h[i] - lo[i]
    v = abs(c[i - 1] - h[i])
    if v > g:
        g = v
    v = abs(c[i - 1] - lo[i])
    if v > g:
        g = v
    return g


def atr(h, lo, c, n: int = 14, normalized: bool = False) -> np.ndarray:
    # Seed: mean of TR at bars 1..n (bar 0 has no TR); then (prev*(n-1) + tr)/n as three steps.
    out = _nan(len(c))
    if len(c) <= n:
        return out
    total = 0.0
    for i in range(1, n + 1):
        total += true_range(h, lo, c, i)
    prev = total / n

    def emit(i: int, a: float) -> float:
        if not normalized:
            return a
        return a / c[i] * 100.0 if c[i] != 0.0 else 0.0

    out[n] = emit(n, prev)
    for i in range(n + 1, len(c)):
        prev *= n - 1
        prev += true_range(h, lo, c, i)
        prev /= n
        out[i] = emit(i, prev)
    return out


def _dm(h, lo, i: int) -> tuple[float, float]:
    # +DM when the up-move is positive and larger than the down-move, -DM the mirror; a tie gives both 0.
    up = h[i] - h[i - 1]
    down = lo[i - 1] - lo[i]
    if down > 0 and up < down:
        return 0.0, down
    if up > 0 and up > down:
        return up, 0.0
    return 0.0, 0.0


def dmi(h, lo, c, n: int = 14):
    """+DI, -DI and ADX as ta_PLUS_DI.c / ta_MINUS_DI.c / ta_ADX.c: Wilder sums (not averages) of DM and TR."""
    size = len(c)
    plus_di, minus_di, adx = _nan(size), _nan(size), _nan(size)
    if size <= n:
        return plus_di, minus_di, adx
    pdm = mdm = tr = 0.0
    for i in range(1, n):  # n-1 plain sums: bars 1..n-1
        p, m = _dm(h, lo, i)
        pdm += p
        mdm += m
        tr += true_range(h, lo, c, i)
    sum_dx = 0.0
    prev_adx = np.nan
    for i in range(n, size):
        p, m = _dm(h, lo, i)
        pdm = pdm - pdm / n + p
        mdm = mdm - mdm / n + m
        tr = tr - tr / n + true_range(h, lo, c, i)
        if tr != 0.0:
            pdi, mdi = 100.0 * (pdm / tr), 100.0 * (mdm / tr)
        else:
            pdi = mdi = 0.0
        plus_di[i], minus_di[i] = pdi, mdi
        dx = None
        if tr != 0.0 and (pdi + mdi) != 0.0:
            dx = 100.0 * (abs(mdi - pdi) / (mdi + pdi))
        if i < 2 * n:  # bars n..2n-1: the first n DX are summed (an undefined DX adds nothing)
            sum_dx += dx if dx is not None else 0.0
            if i == 2 * n - 1:
                prev_adx = sum_dx / n
                adx[i] = prev_adx
        else:
            if dx is not None:  # an undefined DX leaves ADX unchanged
                prev_adx = (prev_adx * (n - 1) + dx) / n
            adx[i] = prev_adx
    return plus_di, minus_di, adx


def stoch(h, lo, c, k: int = 14, sk: int = 3, sd: int = 3):
    size = len(c)
    fast = _nan(size)
    for i in range(k - 1, size):
        hh, ll = h[i - k + 1 : i + 1].max(), lo[i - k + 1 : i + 1].min()
        diff = (hh - ll) / 100.0
        flat = abs(hh - ll) <= EPS * (abs(hh) + abs(ll))
        fast[i] = 0.0 if flat else (c[i] - ll) / diff
    slow_k = _nan(size)
    slow_k[k - 1 :] = sma(fast[k - 1 :], sk)
    slow_d = _nan(size)
    start = k - 1 + sk - 1
    slow_d[start:] = sma(slow_k[start:], sd)
    slow_k[: start + sd - 1] = np.nan
    return slow_k, slow_d


def willr(h, lo, c, n: int = 14) -> np.ndarray:
    out = _nan(len(c))
    for i in range(n - 1, len(c)):
        hh, ll = h[i - n + 1 : i + 1].max(), lo[i - n + 1 : i + 1].min()
        diff = (hh - ll) / (0 - 100.0)
        flat = abs(hh - ll) <= EPS * (abs(hh) + abs(ll))
        out[i] = 0.0 if flat else (hh - c[i]) / diff
    return out


def cci(h, lo, c, n: int = 20) -> np.ndarray:
    # Typical prices in a ring buffer, summed in RING order (slot 0..n-1), not in time order.
    out = _nan(len(c))
    tp = (h + lo + c) / 3
    ring = np.zeros(n)
    for i in range(len(c)):
        ring[i % n] = tp[i]
        if i < n - 1:
            continue
        avg = 0.0
        for v in ring:
            avg += v
        avg /= n
        mad = 0.0
        for v in ring:
            mad += abs(v - avg)
        mad /= n
        dev = tp[i] - avg
        scale = abs(avg)
        ok = abs(dev) > EPS * scale and abs(mad) > EPS * scale
        out[i] = dev / (0.015 * mad) if ok else 0.0
    return out


def mfi(h, lo, c, v, n: int = 14) -> np.ndarray:
    # Money flow tp*v is positive when tp rose, negative when it fell; a move within 1e-14*(|tp|+|prev tp|)
    # is no move. Window sums are running add/subtract; a run of n zero-flow bars resets them to exactly 0.
    size = len(c)
    out = _nan(size)
    if size <= n:
        return out
    tp = (h + lo + c) / 3.0
    pos_ring, neg_ring = np.zeros(n), np.zeros(n)
    pos = neg = 0.0
    null_run = 0
    for i in range(1, size):
        slot = (i - 1) % n
        if i > n:
            pos -= pos_ring[slot]
            neg -= neg_ring[slot]
        d = tp[i] - tp[i - 1]
        flow = 0.0 if abs(d) <= EPS * (abs(tp[i]) + abs(tp[i - 1])) else tp[i] * v[i]
        pf, nf = (0.0, flow) if d < 0.0 else (flow, 0.0)
        pos_ring[slot], neg_ring[slot] = pf, nf
        pos += pf
        neg += nf
        null_run = null_run + 1 if flow == 0.0 else 0
        if null_run >= n:
            null_run = n
            pos = neg = 0.0
        if i >= n:
            total = pos + neg
            clamped = 0.0 if pos < 0.0 else min(pos, total)
            out[i] = 0.0 if total <= 0.0 else 100.0 * (clamped / total)
    return out


def roc(x: np.ndarray, n: int = 10) -> np.ndarray:
    out = _nan(len(x))
    for i in range(n, len(x)):
        out[i] = (x[i] / x[i - n] - 1.0) * 100.0 if x[i - n] != 0.0 else 0.0
    return out


def obv(c: np.ndarray, v: np.ndarray) -> np.ndarray:
    # Starts at the first bar's volume, not 0; equal closes carry the total.
    out = np.empty(len(c))
    total = v[0]
    for i in range(len(c)):
        if i and c[i] > c[i - 1]:
            total += v[i]
        elif i and c[i] < c[i - 1]:
            total -= v[i]
        out[i] = total
    return out


def _series(kind: str, n: int, rng: np.random.Generator):
    if kind == "walk":
        c = 50_000 * np.exp(np.cumsum(0.002 * rng.standard_normal(n)))
    elif kind == "flat_stretches":
        c = 50_000.123 * np.exp(np.cumsum(0.002 * rng.standard_normal(n) * (rng.random(n) < 0.3)))
    elif kind == "tiny":
        c = 3e-7 * np.exp(np.cumsum(0.01 * rng.standard_normal(n)))
    else:  # flat_start: identical bars (true range 0, DX undefined) before a walk
        c = 123.45 * np.exp(np.cumsum(0.002 * rng.standard_normal(n) * (np.arange(n) >= 80)))
    spread = np.abs(rng.standard_normal(n)) * c * 0.001 * (kind == "walk" or kind == "tiny")
    if kind == "flat_start":
        spread[100:] = c[100:] * 0.001
    h, lo = c + spread, c - spread * rng.random(n)
    o = np.r_[c[0], c[:-1]]
    h, lo = np.maximum.reduce([h, o, c]), np.minimum.reduce([lo, o, c])
    v = rng.random(n) * 10 * (rng.random(n) < 0.8)
    return o, h, lo, c, v


def _maxdiff(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return float("inf")
    m = ~np.isnan(a)
    return float(np.max(np.abs(a[m] - b[m]), initial=0.0))


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rng = np.random.default_rng(17)
    worst = 0.0
    for kind in ("walk", "flat_stretches", "tiny", "flat_start"):
        _, h, lo, c, v = _series(kind, 3000, rng)
        scale = float(np.median(c))
        pairs = {
            "SMA20": (sma(c, 20), talib.SMA(c, 20), scale),
            "EMA12": (ema(c, 12), talib.EMA(c, 12), scale),
            "EMA200": (ema(c, 200), talib.EMA(c, 200), scale),
            "RSI14": (rsi(c), talib.RSI(c, 14), 100),
            "ATR14": (atr(h, lo, c), talib.ATR(h, lo, c, 14), scale),
            "NATR14": (atr(h, lo, c, normalized=True), talib.NATR(h, lo, c, 14), 100),
            "ROC10": (roc(c), talib.ROC(c, 10), 100),
            "OBV": (obv(c, v), talib.OBV(c, v), float(np.median(v)) * len(v)),
            "WILLR14": (willr(h, lo, c), talib.WILLR(h, lo, c, 14), 100),
            "CCI20": (cci(h, lo, c), talib.CCI(h, lo, c, 20), 100),
            "MFI14": (mfi(h, lo, c, v), talib.MFI(h, lo, c, v, 14), 100),
        }
        for name, ours, ref in zip(("MACD", "MACDsignal", "MACDhist"), macd(c), talib.MACD(c, 12, 26, 9), strict=True):
            pairs[name] = (ours, ref, scale)
        for name, ours, ref in zip(
            ("PLUS_DI", "MINUS_DI", "ADX"),
            dmi(h, lo, c),
            (talib.PLUS_DI(h, lo, c, 14), talib.MINUS_DI(h, lo, c, 14), talib.ADX(h, lo, c, 14)),
            strict=True,
        ):
            pairs[name] = (ours, ref, 100)
        for name, ours, ref in zip(
            ("STOCH_K", "STOCH_D"), stoch(h, lo, c), talib.STOCH(h, lo, c, 14, 3, 0, 3, 0), strict=True
        ):
            pairs[name] = (ours, ref, 100)
        for name, (ours, ref, s) in pairs.items():
            d = _maxdiff(ours, ref)
            worst = max(worst, d / s)
            log.info("%-15s %-11s max |ours - talib| = %.3g  (%.3g of scale)", kind, name, d, d / s)
    log.info("worst relative to scale: %.3g", worst)
    return 0 if worst <= 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main())
