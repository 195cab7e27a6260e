"""The heatmap of plot_profiles.py: one cohort's members against the 12 profile features at one interval.

Each cell is the feature's mid-rank percentile (0-100) against the member's own baseline (cohort_profiles), blue
for low, red for high, grey where it is undefined (a member without a profile candle is a grey row); the member's
regime is written beside its row. `read_heatmap` reads the rows (members in rank order), `draw_heatmap` draws them
(pure: a frame in, a file out).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import JobFailed, UsageError
from .profile_catalog import FEATURES
from .warehouse import Target, param, quote_ident, read_rows, relation_exists

log = logging.getLogger("pipeline.profile_plot")

PCTILES = [f"{name}_pctile" for name in FEATURES]


def read_heatmap(target: Target, cohort: str, interval: str) -> pd.DataFrame:
    """The cohort's profiles at `interval`: symbol, regime, as_of, candle_at and the 12 percentiles, by rank."""
    for name in ("cohort_profiles", f"habitual_{cohort}"):
        if not relation_exists(target, name):
            raise JobFailed(f"{target.relation(name)} does not exist: build it with `dbt run --select +profiles`")
    rel, p, q = target.relation, param(target), lambda name: quote_ident(target, name)
    _, present = read_rows(target, f"select distinct {q('interval')} from {rel('cohort_profiles')}")
    intervals = sorted(r[0] for r in present)
    if present and interval not in intervals:
        raise UsageError(
            f"--interval {interval}: cohort_profiles has no {interval} rows (it has "
            f"{', '.join(intervals)}; var profile_intervals chooses them)"
        )
    columns = ", ".join(f"profiles.{c}" for c in PCTILES)
    # every member, in rank order; one without a profile candle is a grey row
    sql = (
        f"select members.symbol, profiles.regime, profiles.as_of, profiles.candle_at, {columns} "
        f"from {rel('habitual_' + cohort)} as members left join {rel('cohort_profiles')} as profiles "
        f"on profiles.symbol = members.symbol and profiles.cohort = {p} and profiles.{q('interval')} = {p} "
        f"order by members.{q('rank')}"
    )
    names, rows = read_rows(target, sql, (cohort, interval))
    frame = pd.DataFrame(rows, columns=names)
    for column in PCTILES:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    log.info("%s %s: %d member(s)", cohort, interval, len(frame))
    return frame


def draw_heatmap(frame: pd.DataFrame, cohort: str, interval: str, path: Path) -> None:
    """Members (rows, rank order) against features (columns), coloured by percentile, regimes on the right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = frame[PCTILES].to_numpy(dtype=float) if len(frame) else np.full((1, len(PCTILES)), np.nan)
    height = 1.6 + 0.38 * max(len(frame), 1)
    fig, ax = plt.subplots(figsize=(13, height), layout="constrained")
    cmap = matplotlib.colormaps["RdBu_r"].copy()
    cmap.set_bad("#d9d9d9")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=100, aspect="auto")
    for (row, column), value in np.ndenumerate(values):
        if np.isfinite(value):
            ax.text(
                column,
                row,
                f"{value:.0f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if abs(value - 50) > 35 else "black",
            )
    ax.set_xticks(range(len(FEATURES)), list(FEATURES), rotation=35, ha="right", fontsize=9)
    symbols = list(frame["symbol"]) if len(frame) else ["(no member has a profile)"]
    ax.set_yticks(range(len(symbols)), symbols, fontsize=9)
    regimes = ax.secondary_yaxis("right")
    labels = ["n/a" if pd.isna(r) else str(r) for r in frame["regime"]] if len(frame) else [""]
    regimes.set_yticks(range(len(symbols)), labels, fontsize=9)
    regimes.set_ylabel("regime (daily)")
    when = ""
    if frame["as_of"].notna().any():
        when = (
            f" as of {pd.Timestamp(frame['as_of'].dropna().iloc[0]):%Y-%m-%d %H:%M} UTC, "
            f"last {interval} candle {pd.Timestamp(frame['candle_at'].dropna().max()):%Y-%m-%d %H:%M}"
        )
    ax.set_title(
        f"habitual {cohort}: percentile of each feature against the member's own history ({interval}){when}",
        fontsize=10,
    )
    fig.colorbar(image, ax=ax, label="percentile (0-100)", fraction=0.025, pad=0.01)
    fig.savefig(path, dpi=110)
    plt.close(fig)
