"""ohlc_metrics_daily on real exchange bars (../shared/data/real-bars-1m/, see its SOURCES.md), against the plain
reference, every cell, on DuckDB and a real MariaDB; skipped when the folder is absent. The data is read in
place, never copied into the project. The symbols are picked for what generated bars lack: Binance.US's
zero-volume minutes and long flat stretches (BTCUSDC), Coinbase's and Bittrex's missing minutes (BTCEUR,
CFIBTC), a day-long symbol (MERBTC), a short Binance window with zero volumes (XRPETH) and Kraken's trade
counts over a quarter with large gaps (XBTUSDC). The candles' real-data test is in test_candles.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import engines_param
from pipeline import dbt_runner
from pipeline.bars import read_bar_file
from pipeline.loader import load_batches
from pipeline.project import PROJECT_ROOT
from reference_daily_metrics import compute
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
