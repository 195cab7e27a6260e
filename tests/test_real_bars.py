"""ohlc_metrics_daily and the leaderboards on real exchange bars (../shared/data/real-bars-1m/, see its
SOURCES.md), against the plain references, every cell, on DuckDB and a real MariaDB; skipped when the folder
is absent. The data is read in place, never copied into the project. The metrics' symbols are picked for what
generated bars lack: Binance.US's zero-volume minutes and long flat stretches (BTCUSDC), Coinbase's and
Bittrex's missing minutes (BTCEUR, CFIBTC), a day-long symbol (MERBTC), a short Binance window with zero
volumes (XRPETH) and Kraken's trade counts over a quarter with large gaps (XBTUSDC). The candles' real-data
test is in test_candles.py.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from helpers import engines_param
from pipeline import dbt_runner
from pipeline.bars import read_bar_file
from pipeline.loader import load_batches
from pipeline.project import PROJECT_ROOT
from reference_daily_metrics import compute
from reference_leaderboards import Params
from reference_leaderboards import compute as compute_leaderboards
from test_leaderboards import assert_matches_reference
from test_metrics import assert_equal_to_reference, fetch

REAL_BARS = PROJECT_ROOT.parent / "shared" / "data" / "real-bars-1m"
SYMBOLS = ("BTCUSDC", "BTCEUR", "CFIBTC", "MERBTC", "XRPETH", "XBTUSDC")

pytestmark = pytest.mark.skipif(not REAL_BARS.is_dir(), reason="no real bars (../shared/data/real-bars-1m/)")


@engines_param()
def test_daily_metrics_of_real_exchange_bars(warehouse, profiles_dir, tmp_path):
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    batches = [read_bar_file(REAL_BARS / f"{symbol}_1.csv") for symbol in SYMBOLS]
    load_batches(target, batches)
    bars = pd.concat([b.frame for b in batches], ignore_index=True)
    bars["symbol"] = bars["symbol"].astype(str)
    bars["trades"] = bars["trades"].astype(float)
    assert (bars["volume"] == 0).sum() > 10_000, "the zero-volume minutes this test is about"
    dbt_runner.invoke(["run", "--select", "+ohlc_metrics_daily"], **common)
    expected = compute(bars)
    expected["metric_date"] = pd.to_datetime(expected["metric_date"])
    expected = expected.sort_values(["symbol", "metric_date"]).reset_index(drop=True)
    built = fetch(target)
    assert len(built) > 100 and set(built["symbol"]) == set(SYMBOLS)
    assert_equal_to_reference(built, expected, "real bars")


@engines_param()
def test_leaderboards_of_real_exchange_bars(warehouse, profiles_dir, tmp_path):
    """Every real symbol loaded; as_of at the end of the week 25 Bittrex BTC pairs share (SOURCES.md), so the
    boards rank real moves with their missing minutes and flat stretches; every other symbol is stale then."""
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    batches = [read_bar_file(path) for path in sorted(REAL_BARS.glob("*_1.csv"))]
    load_batches(target, batches)
    bars = pd.concat([b.frame for b in batches], ignore_index=True)
    as_of = datetime(2017, 11, 14, 22, 0)
    params = {"lookback_days": 6, "top_n": 5}
    dbt_runner.invoke(["build", "--select", "+leaderboards"], **common,
                      vars=params | {"as_of": f"{as_of:%Y-%m-%d %H:%M:%S}"})
    frame = pd.DataFrame({"symbol": bars["symbol"].astype(str), "timestamp": pd.to_datetime(bars["ts"], unit="s"),
                          "close": bars["close"], "volume": bars["volume"]})
    ref = compute_leaderboards(frame, Params(as_of=as_of, **params))
    assert len(ref.cohorts["losers"]) == 5 and len(ref.cohorts["gainers"]) == 5
    assert_matches_reference(target, ref)
