"""plot_profiles.py as a user runs it: a real process against a DuckDB warehouse holding habitual_* and
cohort_profiles as the models write them (the models are tested in test_profiles.py).

Before the tables exist it stops with exit 1 naming the command that builds them; it draws the heatmap (a PNG with
content), every member in rank order with the stored percentiles, a member without a profile as a grey row; an
interval the table does not hold, a cohort that does not exist and --out a folder stop with exit 2 and one line.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import assert_one_line_error, execute, run_job
from pipeline.profile_plot import PCTILES, read_heatmap
from test_leaderboards_report import PROFILES, build, build_profiles

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_the_heatmap_is_drawn_from_the_tables(warehouse, profiles_dir, tmp_path):
    args = ["--target", warehouse.name, "--profiles-dir", str(profiles_dir)]
    done = run_job("plot_profiles.py", "--cohort", "gainers", *args, "--out", str(tmp_path / "none.png"))
    assert done.returncode == 1, done.stderr
    assert_one_line_error(done.stderr, "dbt run --select +profiles")

    build(warehouse)
    build_profiles(warehouse)
    # ranks against the symbols' order: the rows must follow the ranks
    execute(warehouse, f'update {warehouse.relation("habitual_gainers")} set "rank" = 3 - "rank"')
    out = tmp_path / "gainers.png"
    done = run_job("plot_profiles.py", "--cohort", "gainers", *args, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == PNG_MAGIC and out.stat().st_size > 20_000

    import matplotlib.image

    pixels = matplotlib.image.imread(out)[..., :3]
    coloured = (pixels.max(axis=2) - pixels.min(axis=2)) > 0.2  # the cells' colours, not grey or black
    assert coloured.mean() > 0.01, "no coloured cell"

    frame = read_heatmap(warehouse, "gainers", "1h")
    assert list(frame["symbol"]) == ["BUSD", "AUSD"]  # rank order, BUSD without a profile
    assert frame.loc[1, "rsi_14_pctile"] == PROFILES[0][5]["rsi_14_pctile"] and frame.loc[1, "regime"] == "trend_up"
    assert frame.loc[0, PCTILES].isna().all()
    assert math.isnan(frame.loc[1, "adx_14_pctile"]) and not np.isnan(frame.loc[1, "natr_14_pctile"])

    done = run_job(
        "plot_profiles.py", "--cohort", "gainers", "--interval", "4h", *args, "--out", str(tmp_path / "x.png")
    )
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--interval 4h", "1d, 1h")


@pytest.mark.parametrize(
    "flags, needle",
    [
        (["--cohort", "winners"], "--cohort"),
        (["--cohort", "losers", "--interval", "5m"], "--interval"),
        (["--interval", "1h"], "--cohort"),
    ],
)
def test_bad_flags_stop_with_one_line(tmp_path, flags, needle):
    done = run_job("plot_profiles.py", *flags, "--out", str(tmp_path / "x.png"))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, needle)


def test_out_must_be_a_file_in_a_writable_folder(tmp_path):
    done = run_job("plot_profiles.py", "--cohort", "losers", "--out", str(tmp_path))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--out", "is a folder", only_line=True)
