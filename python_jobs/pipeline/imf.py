"""EMD cycle clustering (../shared/spec/imf-clustering.md) as pure functions.

Per member and analysis window: a regular one-minute series, EMD of price and volume, cycles
between consecutive IMF peaks, fusion of price cycles with the volume cycles that overlap them,
then Gaussian-mixture and DBSCAN clusterings of the fused cycles, summarised per cluster.
No database, no files: imf_store feeds it and writes the results. analyse_cohort runs the
members in worker processes, or on Spark's executors.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from pipeline import emd_exact
from pipeline.errors import JobFailed, UsageError
from pipeline.processes import die_with_parent

log = logging.getLogger(__name__)
# (label, days, largest GMM k)
WINDOWS = (("6h", 0.25, 5), ("12h", 0.5, 5), ("24h", 1.0, 5), ("3d", 3.0, 10), ("7d", 7.0, 10), ("30d", 30.0, 15))
WINDOW_LABELS = [w[0] for w in WINDOWS]
MIN_POINTS = 100
MIN_PRICE_AMPLITUDE_PCT = 2.0


@dataclass(frozen=True)
class Series:
    """A member's regular one-minute series: minute starts (unix seconds), close, volume."""
    ts: np.ndarray
    price: np.ndarray
    volume: np.ndarray


def regular_series(ts: np.ndarray, close: np.ndarray, volume: np.ndarray) -> Series:
    """Bars on a one-minute grid from the first to the last bar: close filled forward (backward at
    the very start), volume 0 where a minute has no bar. `ts` in unix seconds, ascending."""
    ts = np.asarray(ts, dtype=np.int64)
    minutes = (ts - ts[0]) // 60
    n = int(minutes[-1]) + 1
    price = np.full(n, np.nan)
    vol = np.zeros(n)
    price[minutes] = np.asarray(close, dtype=float)
    vol[minutes] = np.nan_to_num(np.asarray(volume, dtype=float), nan=0.0)
    filled = np.where(np.isnan(price), 0, np.arange(n))
    np.maximum.accumulate(filled, out=filled)
    price = price[filled]  # forward fill; the first minute always has a bar
    return Series(ts=ts[0] + 60 * np.arange(n, dtype=np.int64), price=price, volume=vol)


def window_slice(series: Series, days: float) -> Series | None:
    """The grid points at or after (last bar - window); None below MIN_POINTS points."""
    start = series.ts[-1] - round(days * 86400)
    i = int(np.searchsorted(series.ts, start, side="left"))
    if len(series.ts) - i < MIN_POINTS:
        return None
    return Series(series.ts[i:], series.price[i:], series.volume[i:])


def _import_emd():
    """The `emd` package, imported without its side effect on logging: its import runs
    logging.config.dictConfig with disable_existing_loggers, which silenced every logger that
    existed before (our CLIs' error messages among them). The loggers' state is put back."""
    import logging
    import sys

    if "emd" in sys.modules:
        return sys.modules["emd"]
    loggers = [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = {lg: lg.disabled for lg in loggers}
    root = logging.getLogger()
    root_state = (list(root.handlers), root.level, root.disabled)
    import emd

    for lg, was in disabled.items():
        lg.disabled = was
    root.handlers[:], root.level, root.disabled = root_state
    return emd


def decompose(signal: np.ndarray, fast: bool = False) -> np.ndarray:
    """IMFs (and the residue, as PyEMD returns it) of one slice, one per row.

    Exact mode: PyEMD's EMD with its default settings, as the spec says, computed by
    `pipeline.emd_exact` (the same IMFs bit for bit, three to four times faster). Fast mode (cluster.py
    --fast, docs/clustering.md): the `emd` package's sift with its defaults, about 10x faster; its
    stopping rules differ, so its IMFs and the clusters built on them are not identical."""
    signal = np.asarray(signal, dtype=float)
    if fast:
        import warnings

        emd = _import_emd()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # emd's energy check warns about log10 of zero sums
            return np.ascontiguousarray(emd.sift.sift(signal, verbose="CRITICAL").T)
    return emd_exact.emd(signal)


@dataclass
class Cycles:
    """Cycles as parallel arrays: IMF index, start and end (grid positions), amplitude %, duration."""
    imf: np.ndarray
    start: np.ndarray
    end: np.ndarray
    amplitude_pct: np.ndarray

    @property
    def duration_min(self) -> np.ndarray:
        return (self.end - self.start).astype(float)

    def __len__(self) -> int:
        return len(self.start)

    def select(self, mask: np.ndarray) -> Cycles:
        return Cycles(self.imf[mask], self.start[mask], self.end[mask], self.amplitude_pct[mask])


def cycles(imfs: np.ndarray, signal: np.ndarray) -> Cycles:
    """Every pair of consecutive peaks (scipy find_peaks, default settings) of every IMF.
    The amplitude is measured on the signal itself; a cycle starting where the signal is 0 is skipped."""
    from scipy.signal import find_peaks

    parts = []
    for index, imf in enumerate(imfs):
        peaks, _ = find_peaks(imf)
        if len(peaks) < 2:
            continue
        t0, t1 = peaks[:-1], peaks[1:]
        s0, s1 = signal[t0], signal[t1]
        ok = s0 != 0
        with np.errstate(divide="ignore", invalid="ignore"):
            amplitude = (s1 - s0) / s0 * 100
        parts.append((np.full(ok.sum(), index), t0[ok], t1[ok], amplitude[ok]))
    if not parts:
        empty = np.array([], dtype=np.int64)
        return Cycles(empty, empty, empty, np.array([], dtype=float))
    return Cycles(*(np.concatenate(p) for p in zip(*parts, strict=True)))


def price_cycles(imfs: np.ndarray, price: np.ndarray) -> Cycles:
    found = cycles(imfs, price)
    return found.select(found.amplitude_pct >= MIN_PRICE_AMPLITUDE_PCT)


def volume_cycles(imfs: np.ndarray, volume: np.ndarray) -> Cycles:
    found = cycles(imfs, volume)
    return found.select(found.amplitude_pct != 0)


def fuse(price: Cycles, volume: Cycles, volume_series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each price cycle: how many volume cycles overlap it (start or end inside its [start, end]),
    and the sum of those cycles' volume (each summed from its start to its end inclusive).

    Volume cycles are sorted by start and by end once; the cycles overlapping a price cycle are
    the union of two contiguous runs found by binary search, so no price cycle is compared with
    every volume cycle. Each cycle's volume is the same slice sum as the spec's, and the totals add
    them in the spec's order (volume cycles by IMF, then time), so the floats are bit-identical.
    """
    series = np.asarray(volume_series, dtype=float)
    weights = [float(series[a:b + 1].sum()) for a, b in zip(volume.start.tolist(), volume.end.tolist(), strict=True)]
    by_start = np.argsort(volume.start, kind="stable")
    by_end = np.argsort(volume.end, kind="stable")
    starts, ends = volume.start[by_start], volume.end[by_end]
    lo_s = np.searchsorted(starts, price.start, side="left")
    hi_s = np.searchsorted(starts, price.end, side="right")
    lo_e = np.searchsorted(ends, price.start, side="left")
    hi_e = np.searchsorted(ends, price.end, side="right")
    counts = np.zeros(len(price), dtype=np.int64)
    totals = np.zeros(len(price))
    for i in range(len(price)):
        found = np.union1d(by_start[lo_s[i]:hi_s[i]], by_end[lo_e[i]:hi_e[i]])  # sorted: the spec's order
        counts[i] = len(found)
        totals[i] = sum(weights[j] for j in found.tolist())
    return counts, totals


@dataclass
class Fused:
    imf: np.ndarray
    start: np.ndarray
    end: np.ndarray
    amplitude_pct: np.ndarray
    duration_min: np.ndarray
    total_volume: np.ndarray

    def __len__(self) -> int:
        return len(self.start)

    def features(self) -> np.ndarray:
        return np.column_stack([self.amplitude_pct, self.duration_min, self.total_volume])


def fused_cycles(window: Series, fast: bool = False) -> Fused | None:
    """Steps 3 to 7 for one window slice; None when the result is empty."""
    p_cycles = price_cycles(decompose(window.price, fast), window.price)
    v_cycles = volume_cycles(decompose(window.volume, fast), window.volume)
    if len(p_cycles) == 0 or len(v_cycles) == 0:
        return None
    counts, totals = fuse(p_cycles, v_cycles, window.volume)
    keep = counts > 0
    if keep.sum() < 2:
        return None
    kept = p_cycles.select(keep)
    return Fused(kept.imf, kept.start, kept.end, kept.amplitude_pct, kept.duration_min, totals[keep])


def mad(values: np.ndarray) -> float:
    return float(np.median(np.abs(values - np.median(values))))


def summarize(fused: Fused, labels: np.ndarray, *, skip_noise: bool) -> list[dict]:
    clusters = []
    for label in sorted(set(labels.tolist())):
        if skip_noise and label == -1:
            continue
        m = labels == label
        clusters.append({
            "cluster": int(label),
            "count": int(m.sum()),
            "median_amplitude_pct": float(np.median(fused.amplitude_pct[m])),
            "mad_amplitude_pct": mad(fused.amplitude_pct[m]),
            "median_duration_min": float(np.median(fused.duration_min[m])),
            "mad_duration_min": mad(fused.duration_min[m]),
            "median_total_volume": float(np.median(fused.total_volume[m])),
            "mad_total_volume": mad(fused.total_volume[m]),
        })
    return clusters


def gmm_clusters(fused: Fused, scaled: np.ndarray, kmax: int) -> list[dict]:
    """Lowest-BIC Gaussian mixture over k = 2 .. min(kmax, n) (first on ties), summarised."""
    from sklearn.mixture import GaussianMixture

    best, best_bic = None, math.inf
    for k in range(2, min(kmax, len(scaled)) + 1):
        model = GaussianMixture(n_components=k, random_state=0).fit(scaled)
        bic = model.bic(scaled)
        if bic < best_bic:
            best, best_bic = model, bic
    if best is None:
        return []
    return summarize(fused, best.predict(scaled), skip_noise=False)


def dbscan_clusters(fused: Fused, scaled: np.ndarray) -> list[dict]:
    """The best-silhouette DBSCAN over the eps x min_samples grid, else eps from the knee.

    Each grid point gives the labels `DBSCAN(eps, min_samples).fit_predict(scaled)` gives, without
    redoing what does not change: the eps-neighbourhoods are found once per eps (DBSCAN's own
    NearestNeighbors query, which min_samples does not enter) and DBSCAN's labelling then runs
    for each min_samples, as DBSCAN.fit does; a silhouette score is computed once per distinct
    labelling (several min_samples often give the same one). tests/test_imf.py checks the labels
    against plain DBSCAN calls, and whole members against the spec's steps done plainly."""
    from sklearn.metrics import silhouette_score
    from sklearn.neighbors import NearestNeighbors

    n = len(scaled)
    k = min(7, n)
    distances = NearestNeighbors(n_neighbors=k).fit(scaled).kneighbors(scaled)[0][:, k - 1]
    candidates = np.linspace(np.percentile(distances, 10), np.percentile(distances, 90), 10)
    best = None  # (score, eps, min_samples, labels)
    scores: dict[bytes, float] = {}
    for eps in candidates:
        if eps <= 0:
            continue
        neighborhoods = dbscan_neighborhoods(scaled, float(eps))
        for min_samples in range(2, 8):
            labels = dbscan_labels(neighborhoods, min_samples)
            core = labels != -1
            found = set(labels[core].tolist())
            if len(found) < 2 or core.sum() <= len(found):
                continue
            key = labels.tobytes()
            if key not in scores:
                scores[key] = silhouette_score(scaled[core], labels[core])
            score = scores[key]
            if best is None or score > best[0]:
                best = (score, float(eps), min_samples, labels)
    if best is None:
        eps = knee_eps(distances)
        min_samples = 2
        labels = dbscan_labels(dbscan_neighborhoods(scaled, eps), min_samples) if eps > 0 else np.full(n, -1)
    else:
        _, eps, min_samples, labels = best
    clusters = summarize(fused, labels, skip_noise=True)
    for c in clusters:
        c["parameters"] = {"eps": float(eps), "min_samples": int(min_samples)}
        c["flag_small"] = c["count"] < 5
    return clusters


def dbscan_neighborhoods(scaled: np.ndarray, eps: float) -> np.ndarray:
    """Each point's eps-neighbours (itself included), found as sklearn's DBSCAN.fit finds them
    (its defaults: euclidean metric, algorithm "auto", leaf size 30)."""
    from sklearn.neighbors import NearestNeighbors

    model = NearestNeighbors(radius=eps, algorithm="auto", leaf_size=30, metric="euclidean", p=None)
    return model.fit(scaled).radius_neighbors(scaled, return_distance=False)


def dbscan_labels(neighborhoods: np.ndarray, min_samples: int) -> np.ndarray:
    """DBSCAN.fit's labelling from the neighbourhoods: core points have at least min_samples
    neighbours; clusters grow from them (sklearn's own dbscan_inner); -1 is noise."""
    from sklearn.cluster._dbscan_inner import dbscan_inner

    n_neighbors = np.array([len(neighbors) for neighbors in neighborhoods])
    labels = np.full(len(neighborhoods), -1, dtype=np.intp)
    core_samples = np.asarray(n_neighbors >= min_samples, dtype=np.uint8)
    dbscan_inner(core_samples, neighborhoods, labels)
    return labels


def knee_eps(distances: np.ndarray) -> float:
    ordered = np.sort(distances)
    if ordered[0] == ordered[-1]:
        return float(ordered[0])
    from kneed import KneeLocator

    knee = KneeLocator(np.arange(len(ordered)), ordered, curve="convex", direction="increasing").knee_y
    return float(knee) if knee is not None else float(np.median(ordered))


def cluster_window(fused: Fused | None, kmax: int) -> dict[str, list[dict]]:
    if fused is None:
        return {"gmm": [], "dbscan": []}
    from sklearn.preprocessing import RobustScaler

    scaled = RobustScaler().fit_transform(fused.features())
    return {"gmm": gmm_clusters(fused, scaled, kmax), "dbscan": dbscan_clusters(fused, scaled)}


def analyse_member(ts: np.ndarray, close: np.ndarray, volume: np.ndarray,
                   windows: tuple = WINDOWS, fast: bool = False) -> dict[str, dict[str, list[dict]]]:
    """{window label: {"gmm": [...], "dbscan": [...]}} for one member's bars."""
    series = regular_series(ts, close, volume)
    out = {}
    for label, days, kmax in windows:
        window = window_slice(series, days)
        out[label] = cluster_window(fused_cycles(window, fast) if window is not None else None, kmax)
    return out


def dominant(result: dict[str, dict[str, list[dict]]]) -> dict | None:
    """The cluster with the largest median_amplitude_pct over the windows in order: each window's
    GMM clusters, or its DBSCAN clusters when it has no GMM cluster (first on ties)."""
    best = None
    for label in result:
        clusters = result[label]["gmm"] or result[label]["dbscan"]
        for c in clusters:
            if best is None or c["median_amplitude_pct"] > best["median_amplitude_pct"]:
                best = c
    return best


def worker_init() -> None:
    """Every analysis runs with single-threaded BLAS/OpenMP, in worker processes and in the main
    one alike: the same summation order everywhere, so results cannot depend on --jobs."""
    from threadpoolctl import threadpool_limits

    global _LIMITS  # keep the limit for the life of the process
    _LIMITS = threadpool_limits(1)


_LIMITS = None


def worker_process_init(parent: int) -> None:
    """Initializer of cluster.py's worker processes (`parent`: cluster.py's pid): single-threaded
    BLAS (worker_init), and a worker that ends when cluster.py dies (processes.die_with_parent)."""
    die_with_parent(parent)
    worker_init()


def analyse_task(task: tuple) -> tuple[str, dict]:
    """(symbol, ts, close, volume, windows, fast) -> (symbol, result); picklable for worker processes."""
    symbol, ts, close, volume, windows, fast = task
    return symbol, analyse_member(ts, close, volume, windows, fast)


def spark_task(task: tuple) -> tuple[str, dict]:
    """analyse_task on a Spark executor's Python worker, with single-threaded BLAS as everywhere (worker_init)."""
    if _LIMITS is None:  # a worker process serves many tasks (spark.python.worker.reuse)
        worker_init()
    return analyse_task(task)


def spark_results(spark, tasks: list[tuple]) -> list[tuple[str, dict]]:
    """The tasks run on the executors of `spark` (a SparkSession), one Spark task per member, in their order.

    Plain RDD map over picklable tuples, no pandas UDF: that would need pyarrow, which changes pandas 3's
    default string dtype for the whole project (docs/scale.md). collect() returns the partitions in order.
    """
    context = spark.sparkContext
    context.setJobGroup(SPARK_JOB_GROUP, f"cluster.py: {len(tasks)} member(s)")
    try:
        return context.parallelize(tasks, numSlices=len(tasks)).map(spark_task).collect()
    except Exception as exc:  # py4j's message is the JVM's stack trace; the Python error is inside it
        log.debug("the members' Spark job failed", exc_info=True)
        error = python_error(str(exc))
        if "No module named" in error:
            error += " (the executors' Python lacks the project's packages: PYSPARK_PYTHON, docs/scale.md)"
        raise JobFailed(f"the members' job on Spark failed: {error}") from exc
    finally:  # the group is a property of this thread: later jobs (the table's write) are not the members'
        context.setLocalProperty("spark.jobGroup.id", None)
        context.setLocalProperty("spark.job.description", None)


def python_error(text: str) -> str:
    """The exception line of the first Python traceback in a Spark error's text (its first line if none): the
    traceback's frames are indented, and the line after them names the exception."""
    start = text.find("Traceback (most recent call last):")
    if start >= 0:
        for line in text[start:].splitlines()[1:]:
            if line.strip() and not line.startswith((" ", "\t")):
                return line.strip()
    return text.strip().splitlines()[0] if text.strip() else "no message"


SPARK_JOB_GROUP = "cluster.py members"  # Spark's job group of the members' job (its UI, the tests)


def selected_windows(text: str | None) -> tuple:
    """cluster.py --windows: the WINDOWS named, in WINDOWS order (all when not given)."""
    if not text:
        return WINDOWS
    wanted = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in WINDOW_LABELS]
    if unknown or not wanted:
        raise UsageError(f"--windows {text!r}: choose from {','.join(WINDOW_LABELS)}")
    return tuple(w for w in WINDOWS if w[0] in wanted)


def selected_members(text: str | None, members: list[str], cohort: str) -> list[str]:
    """cluster.py --symbols: the members named, in cohort order (all when not given)."""
    if not text:
        return members
    wanted = [s.strip() for s in text.split(",") if s.strip()]
    if not wanted:
        raise UsageError(f"--symbols {text!r}: no symbol named")
    unknown = [s for s in wanted if s not in members]
    if unknown:
        raise UsageError(f"--symbols: not in the {cohort} cohort: {', '.join(unknown)}")
    return [s for s in members if s in wanted]


def analyse_cohort(bars: dict, members: list[str], windows: tuple, jobs: int, fast: bool = False,
                   spark=None) -> dict:
    """{symbol: {window: {"gmm": [...], "dbscan": [...]}}} in cohort order, from `bars` (symbol ->
    frame of ts, close, volume). Members run in `jobs` processes, or with `spark` (a SparkSession) on its
    executors; the results depend on neither."""
    tasks = []
    for symbol in members:
        frame = bars.get(symbol)
        if frame is None or frame.empty:
            log.warning("%s: no bars in the lookback; its windows are empty", symbol)
            continue
        tasks.append((symbol, frame["ts"].to_numpy(), frame["close"].to_numpy(), frame["volume"].to_numpy(), windows,
                      fast))
    started = time.perf_counter()
    if spark is None:
        results = local_results(tasks, jobs)
    else:
        results = dict(spark_results(spark, tasks)) if tasks else {}
        log.info("%d member(s) done on Spark's executors (%.0f s)", len(tasks), time.perf_counter() - started)
    empty = {label: {"gmm": [], "dbscan": []} for label, _, _ in windows}
    return {s: results.get(s, empty) for s in members}


def local_results(tasks: list[tuple], jobs: int) -> dict[str, dict]:
    """The tasks run in this process (jobs 1) or in `jobs` worker processes: {symbol: result} in task order."""
    results: dict[str, dict] = {}
    started = time.perf_counter()
    parallel = jobs > 1 and len(tasks) > 1
    if parallel:
        # spawn, not fork: a forked child can inherit a BLAS thread pool's lock mid-use and hang
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("spawn"),
                                   initializer=worker_process_init, initargs=(os.getpid(),))
        done = pool.map(analyse_task, tasks)
    else:
        worker_init()
        done = map(analyse_task, tasks)
    try:
        for i, (symbol, result) in enumerate(done, start=1):
            results[symbol] = result
            log.info("[%d/%d] %s done (%.0f s)", i, len(tasks), symbol, time.perf_counter() - started)
    finally:
        if parallel:
            pool.shutdown(cancel_futures=True)
    return results
