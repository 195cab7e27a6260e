"""PyEMD's `EMD()(signal)`, default settings, recomputed with less overhead and bit-identical IMFs.

The spec fixes the decomposition as PyEMD's `EMD()` with its defaults (cubic splines through the
"simple" extrema, mirrored with nbsym=2, Huang's stopping criteria, at most 1,000 sifting
iterations per IMF). On a month of minute volumes PyEMD sifts some 16,000 times, and most of
its time is overhead around the arithmetic rather than the arithmetic itself:
- each iteration finds the extrema of the same array three times (once at the top of the loop,
  again inside `extract_max_min_spline`, and the third time after the mean is subtracted, which
  is also the first of the next iteration): here once;
- `scipy.interpolate.CubicSpline` validates and converts its inputs twice, through the array-API
  layer, builds a `PPoly` object per envelope and binary-searches the interval of every grid
  point: here the same floating-point operations fill the system, the same LAPACK routine
  (`gtsv`) solves it, and each interval's cubic is evaluated with the same operations in the
  same order as scipy's `_ppoly.evaluate`, walking the sorted grid once;
- the envelopes' time masks over the whole grid become a slice.

`find_extrema` and `spline` state the arithmetic in numpy; `compiled_extrema` and `envelope` run
it as loops compiled by numba without fast-math (no reordering, no fused multiply-add), which is
what `emd` uses. The positions are grid indices, so the spline's knot spacings are integers.

Nothing about the result changes: every IMF equals PyEMD's bit for bit, which
tests/test_emd_exact.py checks against PyEMD itself on price and volume series with plateaus,
zero runs, spikes and short lengths, and which bench/bench_clustering.py checks again on the
benchmark cohort. Inputs this module does not cover (not float64, fewer than 4 points) go to
PyEMD unchanged.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy.linalg import lapack

MAX_ITERATION = 1000
NBSYM = 2
ENERGY_RATIO_THR = 0.2
STD_THR = 0.2
SVAR_THR = 0.001
TOTAL_POWER_THR = 0.005
RANGE_THR = 0.001


def find_extrema(S: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """PyEMD's `_find_extrema_simple` on the grid 0..N-1, where positions are indices: the
    maxima's indices, the minima's indices, and the number of zero crossings, the only use
    PyEMD's default sifting makes of the crossings. PyEMD counts a sign change between
    neighbours once, and a run of exact zeros once (an isolated zero is a run of one)."""
    S1, S2 = S[:-1], S[1:]
    crossings = int(np.count_nonzero(S1 * S2 < 0))
    zero = S == 0
    if zero.any():
        crossings += int(zero[0]) + int(np.count_nonzero(zero[1:] & ~zero[:-1]))

    d = S2 - S1  # np.diff(S)
    d1, d2 = d[:-1], d[1:]
    sign_change = d1 * d2 < 0
    indmin = np.flatnonzero(sign_change & (d1 < 0)) + 1
    indmax = np.flatnonzero(sign_change & (d1 > 0)) + 1

    bad = d == 0
    if bad.any():  # flat plateaus: their midpoint is the extremum, as in PyEMD (quirks included)
        dd = np.diff(np.concatenate(([0], bad, [0])))
        debs = np.flatnonzero(dd == 1)
        fins = np.flatnonzero(dd == -1)
        if len(debs) > 0 and debs[0] == 1:
            debs, fins = debs[1:], fins[1:]
        if len(debs) > 0 and fins[-1] == len(S) - 1:
            debs, fins = debs[:-1], fins[:-1]
        if len(debs) > 0:
            d_before = d[debs - 1]
            d_after = d[fins]
            midpoints = np.round((fins + debs) / 2.0).astype(np.intp)
            max_mask = (d_before > 0) & (d_after < 0)
            min_mask = (d_before < 0) & (d_after > 0)
            if max_mask.any():
                indmax = np.sort(np.concatenate([indmax, midpoints[max_mask]]))
            if min_mask.any():
                indmin = np.sort(np.concatenate([indmin, midpoints[min_mask]]))
    return indmax, indmin, crossings


def compiled_extrema(S: np.ndarray, work: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """`find_extrema(S)`, compiled: the same indices and count (PyEMD's plateau quirks included).
    `work`: an intp array of 4 x len(S), reused between calls."""
    if work is None or work.shape[1] < len(S):
        work = np.empty((4, len(S)), dtype=np.intp)
    nmax, nmin, crossings = _extrema(S, work[0], work[1], work[2], work[3])
    return work[0, :nmax].copy(), work[1, :nmin].copy(), crossings


@numba.njit(cache=True)
def _extrema(S, maxima, minima, starts, ends):  # pragma: no cover (compiled)
    N = len(S)
    crossings = 0
    for i in range(N - 1):
        if S[i] * S[i + 1] < 0:
            crossings += 1
    for i in range(N):
        if S[i] == 0 and (i == 0 or S[i - 1] != 0):
            crossings += 1
    nmax = 0
    nmin = 0
    for i in range(N - 2):
        d1 = S[i + 1] - S[i]
        d2 = S[i + 2] - S[i + 1]
        if d1 * d2 < 0:
            if d1 < 0:
                minima[nmin] = i + 1
                nmin += 1
            elif d1 > 0:
                maxima[nmax] = i + 1
                nmax += 1
    # plateaus: runs [start, end) of zero differences d[i] = S[i+1] - S[i]
    M = N - 1
    runs = 0
    i = 0
    while i < M:
        if S[i + 1] - S[i] == 0:
            j = i
            while j < M and S[j + 1] - S[j] == 0:
                j += 1
            starts[runs] = i
            ends[runs] = j
            runs += 1
            i = j
        else:
            i += 1
    first = 0
    last = runs
    if last > first and starts[first] == 1:
        first += 1
    if last > first and ends[last - 1] == N - 1:
        last -= 1
    added_max = False
    added_min = False
    for r in range(first, last):
        b = starts[r] - 1
        if b < 0:
            b += M  # numpy's d[-1]
        d_before = S[b + 1] - S[b]
        d_after = S[ends[r] + 1] - S[ends[r]]
        twice = starts[r] + ends[r]
        mid = twice // 2
        if twice % 2 == 1 and mid % 2 == 1:  # np.round: halves to even
            mid += 1
        if d_before > 0 and d_after < 0:
            maxima[nmax] = mid
            nmax += 1
            added_max = True
        elif d_before < 0 and d_after > 0:
            minima[nmin] = mid
            nmin += 1
            added_min = True
    if added_max:
        maxima[:nmax] = np.sort(maxima[:nmax])
    if added_min:
        minima[:nmin] = np.sort(minima[:nmin])
    return nmax, nmin, crossings


def prepare_points(T: np.ndarray, S: np.ndarray, ind_max: np.ndarray, ind_min: np.ndarray,
                   nbsym: int = NBSYM) -> tuple[np.ndarray, np.ndarray]:
    """PyEMD's `prepare_points_simple`: the extrema with nbsym of them mirrored beyond each end,
    as (positions, values) pairs for the upper and the lower envelope."""
    end_min, end_max = len(ind_min), len(ind_max)

    if ind_max[0] < ind_min[0]:
        if S[0] > S[ind_min[0]]:
            lmax = ind_max[1:min(end_max, nbsym + 1)][::-1]
            lmin = ind_min[0:min(end_min, nbsym + 0)][::-1]
            lsym = ind_max[0]
        else:
            lmax = ind_max[0:min(end_max, nbsym)][::-1]
            lmin = np.append(ind_min[0:min(end_min, nbsym - 1)][::-1], 0)
            lsym = 0
    else:
        if S[0] < S[ind_max[0]]:
            lmax = ind_max[0:min(end_max, nbsym + 0)][::-1]
            lmin = ind_min[1:min(end_min, nbsym + 1)][::-1]
            lsym = ind_min[0]
        else:
            lmax = np.append(ind_max[0:min(end_max, nbsym - 1)][::-1], 0)
            lmin = ind_min[0:min(end_min, nbsym)][::-1]
            lsym = 0

    if ind_max[-1] < ind_min[-1]:
        if S[-1] < S[ind_max[-1]]:
            rmax = ind_max[max(end_max - nbsym, 0):][::-1]
            rmin = ind_min[max(end_min - nbsym - 1, 0):-1][::-1]
            rsym = ind_min[-1]
        else:
            rmax = np.append(ind_max[max(end_max - nbsym + 1, 0):], len(S) - 1)[::-1]
            rmin = ind_min[max(end_min - nbsym, 0):][::-1]
            rsym = len(S) - 1
    else:
        if S[-1] > S[ind_min[-1]]:
            rmax = ind_max[max(end_max - nbsym - 1, 0):-1][::-1]
            rmin = ind_min[max(end_min - nbsym, 0):][::-1]
            rsym = ind_max[-1]
        else:
            rmax = ind_max[max(end_max - nbsym, 0):][::-1]
            rmin = np.append(ind_min[max(end_min - nbsym + 1, 0):], len(S) - 1)[::-1]
            rsym = len(S) - 1

    if not lmin.size:
        lmin = ind_min
    if not rmin.size:
        rmin = ind_min
    if not lmax.size:
        lmax = ind_max
    if not rmax.size:
        rmax = ind_max

    tlmin = 2 * T[lsym] - T[lmin]
    tlmax = 2 * T[lsym] - T[lmax]
    trmin = 2 * T[rsym] - T[rmin]
    trmax = 2 * T[rsym] - T[rmax]

    if tlmin[0] > T[0] or tlmax[0] > T[0]:
        if lsym == ind_max[0]:
            lmax = ind_max[0:min(end_max, nbsym)][::-1]
        else:
            lmin = ind_min[0:min(end_min, nbsym)][::-1]
        if lsym == 0:
            raise RuntimeError("Left edge BUG")  # PyEMD raises here too
        lsym = 0
        tlmin = 2 * T[lsym] - T[lmin]
        tlmax = 2 * T[lsym] - T[lmax]

    if trmin[-1] < T[-1] or trmax[-1] < T[-1]:
        if rsym == ind_max[-1]:
            rmax = ind_max[max(end_max - nbsym, 0):][::-1]
        else:
            rmin = ind_min[max(end_min - nbsym, 0):][::-1]
        if rsym == len(S) - 1:
            raise RuntimeError("Right edge BUG")
        rsym = len(S) - 1
        trmin = 2 * T[rsym] - T[rmin]
        trmax = 2 * T[rsym] - T[rmax]

    tmin = np.concatenate((tlmin, T[ind_min], trmin))
    tmax = np.concatenate((tlmax, T[ind_max], trmax))
    zmin = np.concatenate((S[lmin], S[ind_min], S[rmin]))
    zmax = np.concatenate((S[lmax], S[ind_max], S[rmax]))
    # PyEMD (np.delete) drops a point whose position the next point repeats
    keep_max = np.concatenate((tmax[1:] != tmax[:-1], [True]))
    keep_min = np.concatenate((tmin[1:] != tmin[:-1], [True]))
    return (tmax[keep_max], zmax[keep_max]), (tmin[keep_min], zmin[keep_min])


def spline(T: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """PyEMD's cubic envelope: `CubicSpline(x, y)` (not-a-knot) evaluated on the grid points
    within [x[0], x[-1]], with scipy's arithmetic. Fewer than 4 points: PyEMD's own 3-point spline."""
    # T is the grid 0..N-1: the points within [x[0], x[-1]] are a slice
    lo = max(0, math.ceil(x[0]))
    hi = min(len(T), math.floor(x[-1]) + 1)
    t = T[lo:hi]
    n = len(x)
    if n <= 3:
        from PyEMD.splines import cubic_spline_3pts
        return cubic_spline_3pts(x, y, t)[1]

    # scipy.interpolate.CubicSpline.__init__, bc_type="not-a-knot", n > 3
    dx = np.diff(x)
    if np.any(dx <= 0):
        raise ValueError("`x` must be strictly increasing sequence.")
    dxr = dx
    slope = np.diff(y) / dxr
    A = np.zeros((3, n))
    b = np.empty(n)
    A[1, 1:-1] = 2 * (dx[:-1] + dx[1:])
    A[0, 2:] = dx[:-1]
    A[-1, :-2] = dx[1:]
    b[1:-1] = 3 * (dxr[1:] * slope[:-1] + dxr[:-1] * slope[1:])
    A[1, 0] = dx[1]
    A[0, 1] = x[2] - x[0]
    d = x[2] - x[0]
    b[0] = ((dxr[0] + 2 * d) * dxr[1] * slope[0] + dxr[0] ** 2 * slope[1]) / d
    A[1, -1] = dx[-2]
    A[-1, -2] = x[-1] - x[-3]
    d = x[-1] - x[-3]
    b[-1] = (dxr[-1] ** 2 * slope[-2] + (2 * d + dxr[-1]) * dxr[-2] * slope[-1]) / d
    # scipy.linalg.solve_banded((1, 1), ...): LAPACK gtsv on the three diagonals
    _, _, _, s, info = lapack.dgtsv(A[2, :-1], A[1, :], A[0, 1:], b.reshape(n, 1), 1, 1, 1, 1)
    if info > 0:
        raise np.linalg.LinAlgError("singular matrix")
    s = s.reshape(n)

    # scipy.interpolate.CubicHermiteSpline.__init__: the local power-basis coefficients
    tt = (s[:-1] + s[1:] - 2 * slope) / dxr
    c0 = tt / dxr
    c1 = (slope - s[:-1]) / dxr - tt
    c2 = s[:-1]
    c3 = y[:-1] + 0.0  # scipy starts its sum from 0.0, which turns a -0.0 into 0.0

    # scipy.interpolate._ppoly.evaluate, extrapolate=True: interval i holds x[i] <= v < x[i+1]
    # (the last one also its right end), then res = c3 + c2*s + c1*s**2 + c0*s**3 summed in that
    # order, with s**k as repeated products. t is sorted, so the intervals come from where each
    # breakpoint falls in t: #{j: x[j] <= t[k]} - 1, as runs.
    pos = np.clip(np.ceil(x) - lo, 0, len(t)).astype(np.intp)  # np.searchsorted(t, x): t is lo, lo+1, ...
    i = np.repeat(np.arange(-1, n), np.diff(pos, prepend=0, append=len(t)))
    np.clip(i, 0, n - 2, out=i)
    u = t - x[i]
    res = c2[i] * u
    res += c3[i]
    z = u * u
    res += c1[i] * z
    z *= u
    res += c0[i] * z
    return res


# The same arithmetic compiled (numba, no fast-math: every operation rounds as numpy's does, in the
# same order; tests/test_emd_exact.py compares the bits). A month of minute volumes has envelopes
# through some 20,000 extrema; numpy spends most of a sift on temporaries, these loops do not.

@numba.njit(cache=True)
def _spline_system(x, y, dl, d, du, b):  # pragma: no cover (compiled)
    """CubicSpline's not-a-knot tridiagonal system (the `spline` above): False if x does not increase."""
    n = len(x)
    for i in range(n - 1):
        if not x[i + 1] - x[i] > 0:
            return False
    for i in range(1, n - 1):
        dx0 = x[i] - x[i - 1]
        dx1 = x[i + 1] - x[i]
        d[i] = 2 * (dx0 + dx1)
        b[i] = 3 * (dx1 * ((y[i] - y[i - 1]) / dx0) + dx0 * ((y[i + 1] - y[i]) / dx1))
    for i in range(1, n - 1):
        du[i] = x[i] - x[i - 1]
    for j in range(n - 2):
        dl[j] = x[j + 2] - x[j + 1]
    dx0 = x[1] - x[0]
    dx1 = x[2] - x[1]
    w = x[2] - x[0]
    d[0] = dx1
    du[0] = w
    b[0] = ((dx0 + 2 * w) * dx1 * ((y[1] - y[0]) / dx0) + dx0 * dx0 * ((y[2] - y[1]) / dx1)) / w
    dxa = x[n - 2] - x[n - 3]
    dxb = x[n - 1] - x[n - 2]
    w = x[n - 1] - x[n - 3]
    d[n - 1] = dxa
    dl[n - 2] = w
    b[n - 1] = (dxb * dxb * ((y[n - 2] - y[n - 3]) / dxa) + (2 * w + dxb) * dxa * ((y[n - 1] - y[n - 2]) / dxb)) / w
    return True


@numba.njit(cache=True)
def _spline_values(x, y, s, lo, hi, out):  # pragma: no cover (compiled)
    """out[k - lo] = the spline at grid point k, for lo <= k < hi (the `spline` above)."""
    n = len(x)
    j = -1
    c0 = c1 = c2 = c3 = 0.0
    for k in range(lo, hi):
        tk = float(k)
        jj = 0 if j < 0 else j
        while jj < n - 2 and x[jj + 1] <= tk:
            jj += 1
        if jj != j:
            j = jj
            dx = x[j + 1] - x[j]
            slope = (y[j + 1] - y[j]) / dx
            tt = (s[j] + s[j + 1] - 2 * slope) / dx
            c0 = tt / dx
            c1 = (slope - s[j]) / dx - tt
            c2 = s[j]
            c3 = y[j] + 0.0
        u = tk - x[j]
        res = c2 * u
        res = res + c3
        z = u * u
        res = res + c1 * z
        z = z * u
        res = res + c0 * z
        out[k - lo] = res


def envelope(N: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`spline(np.arange(N, dtype=float), x, y)`, compiled: the same values, bit for bit."""
    n = len(x)
    if n <= 3:
        return spline(np.arange(N, dtype=np.float64), x, y)
    lo = max(0, math.ceil(x[0]))
    hi = min(N, math.floor(x[-1]) + 1)
    dl, d, du, b = np.empty(n - 1), np.empty(n), np.empty(n - 1), np.empty((n, 1))
    if not _spline_system(x, y, dl, d, du, b[:, 0]):
        raise ValueError("`x` must be strictly increasing sequence.")
    _, _, _, s, info = lapack.dgtsv(dl, d, du, b, 1, 1, 1, 1)
    if info > 0:
        raise np.linalg.LinAlgError("singular matrix")
    out = np.empty(max(hi - lo, 0))
    _spline_values(x, y, s[:, 0], lo, hi, out)
    return out


def check_imf(imf_new: np.ndarray, imf_old: np.ndarray, max_values: np.ndarray, min_values: np.ndarray) -> bool:
    """PyEMD's `check_imf` (Huang's criteria) with its default thresholds."""
    if np.any(max_values < 0) or np.any(min_values > 0):
        return False
    if np.sum(imf_new**2) < 1e-10:
        return False
    imf_diff = imf_new - imf_old
    imf_diff_sqrd_sum = np.sum(imf_diff * imf_diff)
    svar = imf_diff_sqrd_sum / (imf_old.max() - imf_old.min())
    if svar < SVAR_THR:
        return True
    std = np.sum((imf_diff / imf_new) ** 2)
    if std < STD_THR:
        return True
    energy_ratio = imf_diff_sqrd_sum / np.sum(imf_old * imf_old)
    return bool(energy_ratio < ENERGY_RATIO_THR)


def end_condition(S: np.ndarray, IMF: np.ndarray) -> bool:
    """PyEMD's `end_condition`: what is left is flat or has almost no power."""
    tmp = S - np.sum(IMF, axis=0)
    if np.max(tmp) - np.min(tmp) < RANGE_THR:
        return True
    return bool(np.sum(np.abs(tmp)) < TOTAL_POWER_THR)


def emd(S: np.ndarray) -> np.ndarray:
    """IMFs and residue of S, one per row: `PyEMD.EMD()(S)`, bit for bit."""
    S = np.asarray(S)
    if S.dtype != np.float64 or S.ndim != 1 or len(S) < 4:
        from PyEMD import EMD
        return EMD()(S)
    N = len(S)
    T = np.arange(N, dtype=np.float64)
    work = np.empty((4, N), dtype=np.intp)
    IMF = np.empty((0, N))
    imfNo = 0
    extNo = -1
    finished = False
    while not finished:
        residue = S - np.sum(IMF[:imfNo], axis=0)
        imf = residue.copy()
        extrema = compiled_extrema(imf, work)
        n = 0
        while True:
            n += 1
            if n >= MAX_ITERATION:
                break
            ind_max, ind_min, _ = extrema
            extNo = len(ind_max) + len(ind_min)
            if extNo <= 2:  # a trend: the decomposition ends
                finished = True
                break
            (tmax, zmax), (tmin, zmin) = prepare_points(T, imf, ind_max, ind_min)
            max_env = envelope(N, tmax, zmax)
            min_env = envelope(N, tmin, zmin)
            mean = 0.5 * (max_env + min_env)
            imf_old = imf
            imf = imf - mean
            extrema = compiled_extrema(imf, work)
            extNo = len(extrema[0]) + len(extrema[1])
            if check_imf(imf, imf_old, zmax, zmin) and abs(extNo - extrema[2]) < 2:
                break
        IMF = np.vstack((IMF, imf))
        imfNo += 1
        if end_condition(S, IMF):
            finished = True
    if extNo <= 2:
        IMF = IMF[:-1]
    residue = S - np.sum(IMF, axis=0)
    if not np.allclose(residue, 0):
        IMF = np.vstack((IMF, residue))
    return IMF
