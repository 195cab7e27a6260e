"""../shared/spec/imf-clustering.md step by step, plainly, as the original did: pandas for the grid,
a loop per IMF and per peak pair for cycles, and per price cycle a mask over all volume cycles
then a slice sum per overlap. Shares no code with python_jobs/pipeline/imf.py (EMD, scipy and
scikit-learn are the same libraries, called the same way)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from kneed import KneeLocator
from PyEMD import EMD
from scipy.signal import find_peaks
from sklearn.cluster import DBSCAN
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import RobustScaler

WINDOWS = [("6h", 0.25, 5), ("12h", 0.5, 5), ("24h", 1, 5), ("3d", 3, 10), ("7d", 7, 10), ("30d", 30, 15)]


def grid(ts: np.ndarray, close: np.ndarray, volume: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"close": close, "volume": volume}, index=pd.to_datetime(ts, unit="s"))
    index = pd.date_range(frame.index[0], frame.index[-1], freq="1min")
    out = frame.reindex(index)
    out["close"] = out["close"].ffill().bfill()
    out["volume"] = out["volume"].fillna(0.0)
    return out


def cycles_of(signal: np.ndarray, keep) -> list[tuple]:
    found = []
    for index, imf in enumerate(EMD()(signal)):
        peaks, _ = find_peaks(imf)
        for t0, t1 in itertools.pairwise(peaks):
            if signal[t0] == 0:
                continue
            amplitude = (signal[t1] - signal[t0]) / signal[t0] * 100
            if keep(amplitude):
                found.append((index, int(t0), int(t1), float(amplitude)))
    return found


def summaries(rows: list[dict], labels, skip_noise: bool) -> list[dict]:
    out = []
    frame = pd.DataFrame(rows)
    for label in sorted(set(labels)):
        if skip_noise and label == -1:
            continue
        part = frame[np.asarray(labels) == label]
        entry = {"cluster": int(label), "count": len(part)}
        for column in ("amplitude_pct", "duration_min", "total_volume"):
            values = part[column].to_numpy()
            med = float(np.median(values))
            entry[f"median_{column}"] = med
            entry[f"mad_{column}"] = float(np.median(np.abs(values - med)))
        out.append({k: entry[k] for k in ("cluster", "count", "median_amplitude_pct", "mad_amplitude_pct",
                                          "median_duration_min", "mad_duration_min", "median_total_volume",
                                          "mad_total_volume")})
    return out


def window_result(g: pd.DataFrame, days: float, kmax: int) -> dict:
    cut = g.index[-1] - pd.Timedelta(days=days)
    part = g[g.index >= cut]
    if len(part) < 100:
        return {"gmm": [], "dbscan": []}
    price, volume = part["close"].to_numpy(), part["volume"].to_numpy()
    p_cycles = cycles_of(price, lambda a: a >= 2.0)
    v_cycles = cycles_of(volume, lambda a: a != 0)
    if not p_cycles or not v_cycles:
        return {"gmm": [], "dbscan": []}
    v = np.array([(c[1], c[2]) for c in v_cycles])
    fused = []
    for index, s, e, amplitude in p_cycles:
        mask = ((v[:, 0] >= s) & (v[:, 0] <= e)) | ((v[:, 1] >= s) & (v[:, 1] <= e))
        if not mask.any():
            continue
        total = sum(volume[a:b + 1].sum() for a, b in v[mask])
        fused.append({"imf_idx": index, "start": s, "end": e, "amplitude_pct": amplitude,
                      "duration_min": float(e - s), "total_volume": float(total)})
    if len(fused) < 2:
        return {"gmm": [], "dbscan": []}
    x = RobustScaler().fit_transform(pd.DataFrame(fused)[["amplitude_pct", "duration_min", "total_volume"]].to_numpy())
    best, best_bic = None, np.inf
    for k in range(2, min(kmax, len(x)) + 1):
        model = GaussianMixture(n_components=k, random_state=0).fit(x)
        if model.bic(x) < best_bic:
            best, best_bic = model, model.bic(x)
    gmm = summaries(fused, best.predict(x).tolist(), False) if best is not None else []
    k = min(7, len(x))
    d = NearestNeighbors(n_neighbors=k).fit(x).kneighbors(x)[0][:, k - 1]
    chosen = None
    for eps in np.linspace(np.percentile(d, 10), np.percentile(d, 90), 10):
        if eps <= 0:
            continue
        for ms in range(2, 8):
            labels = DBSCAN(eps=eps, min_samples=ms).fit_predict(x)
            core = labels != -1
            if len(set(labels[core])) < 2 or core.sum() <= len(set(labels[core])):
                continue
            score = silhouette_score(x[core], labels[core])
            if chosen is None or score > chosen[0]:
                chosen = (score, float(eps), ms, labels)
    if chosen is None:
        ordered = np.sort(d)
        if ordered[0] == ordered[-1]:
            eps = float(ordered[0])
        else:
            knee = KneeLocator(range(len(ordered)), ordered, curve="convex", direction="increasing").knee_y
            eps = float(knee) if knee is not None else float(np.median(ordered))
        ms = 2
        labels = DBSCAN(eps=eps, min_samples=ms).fit_predict(x) if eps > 0 else np.full(len(x), -1)
    else:
        _, eps, ms, labels = chosen
    dbscan = summaries(fused, labels.tolist(), True)
    for c in dbscan:
        c["parameters"] = {"eps": float(eps), "min_samples": int(ms)}
        c["flag_small"] = c["count"] < 5
    return {"gmm": gmm, "dbscan": dbscan}


def member_result(ts: np.ndarray, close: np.ndarray, volume: np.ndarray) -> dict:
    g = grid(ts, close, volume)
    return {label: window_result(g, days, kmax) for label, days, kmax in WINDOWS}
