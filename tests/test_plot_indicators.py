"""plot_indicators.py as a user runs it: a real process against a real warehouse (DuckDB and MariaDB).

It draws the chart from the tables `dbt run --select +indicators` builds (the PNG is checked for what is in it:
its size and that the four panes' pixels are not blank), reads exactly the candles of the --days window, and
stops with one line and exit 2 on a bad flag or an unknown symbol, exit 1 when the tables are missing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from helpers import assert_one_line_error, engines_param, query, run_job
from pipeline import dbt_runner
from pipeline.indicator_plot import read_chart
from test_candles import build_bars, load

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def target_args(target, profiles_dir) -> list[str]:
    return ["--target", target.name, "--profiles-dir", str(profiles_dir)]


@engines_param()
def test_the_chart_is_drawn_from_the_tables(warehouse, profiles_dir, tmp_path):
    target = warehouse
    args = target_args(target, profiles_dir)
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    load(target, build_bars(now - timedelta(minutes=3)))

    # before the tables exist: exit 1, naming the command that builds them
    done = run_job("plot_indicators.py", "--symbol", "GAPPYUSD", *args, "--out", str(tmp_path / "none.png"))
    assert done.returncode == 1, done.stderr
    assert_one_line_error(done.stderr, "dbt run --select +indicators")

    dbt_runner.invoke(["run", "--select", "+indicators"], target=target.name, target_path=tmp_path / "target",
                      log_path=tmp_path / "logs")
    out = tmp_path / "chart.png"
    done = run_job("plot_indicators.py", "--symbol", "GAPPYUSD", "--interval", "1h", "--days", "5", *args,
                   "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == PNG_MAGIC and out.stat().st_size > 30_000

    import matplotlib.image

    pixels = matplotlib.image.imread(out)[..., :3]
    rows = np.where((pixels < 0.9).any(axis=(1, 2)))[0]  # rows holding anything darker than the background
    assert len(rows) > 0.5 * pixels.shape[0], "the panes are blank"

    frame = read_chart(target, "GAPPYUSD", "1h", 5)
    newest = query(target, f"select max(candle_at) from {target.relation('candles_1h')} where symbol = 'GAPPYUSD'")
    since = newest[0][0] - timedelta(days=5)
    expected = query(target, f"select count(*) from {target.relation('indicators_1h')} where symbol = 'GAPPYUSD' "
                             f"and candle_at > '{since:%Y-%m-%d %H:%M:%S}'")[0][0]
    assert len(frame) == expected > 48
    assert frame["rsi_14"].between(0, 100).all() and frame["bb_upper_20"].ge(frame["bb_lower_20"]).all()
    assert frame["is_complete"].iloc[:-1].all()

    done = run_job("plot_indicators.py", "--symbol", "NOSUCHUSD", *args, "--out", str(tmp_path / "x.png"))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--symbol", "NOSUCHUSD", "GAPPYUSD")


@pytest.mark.parametrize("flags, needle", [
    (["--symbol", "X", "--days", "0"], "--days"),
    (["--symbol", "X", "--days", "nan"], "--days"),
    (["--symbol", "X", "--interval", "5m"], "--interval"),
    (["--interval", "1h"], "--symbol"),
])
def test_bad_flags_stop_with_one_line(tmp_path, flags, needle):
    done = run_job("plot_indicators.py", *flags, "--out", str(tmp_path / "x.png"))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, needle)


def test_out_must_be_a_file_in_a_writable_folder(tmp_path):
    done = run_job("plot_indicators.py", "--symbol", "X", "--out", str(tmp_path))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--out", "is a folder", only_line=True)
