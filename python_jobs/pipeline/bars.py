"""Reading and validating one-minute OHLCVT bars, from files or from memory.

Two file layouts are accepted:

* Kraken's downloadable OHLCVT files: no header, ``time,open,high,low,close,volume[,trades]``
  with unix seconds, one pair per file and the pair in the name (``XBTUSD_1.csv``; only the
  1-minute interval is accepted).
* Plain CSV with a header naming at least ``symbol,timestamp,open,high,low,close,volume``
  (``trades`` optional, other columns ignored). ``timestamp`` is unix seconds or a UTC
  date-time (``2024-01-31 13:05:00``, ISO 8601 with ``T``/``Z`` also accepted).

Every bar is checked before anything is written. The first problem is reported with its line,
and the file is rejected whole. The checks are vectorised: a clean file costs one parse.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import UsageError

PRICE_COLUMNS = ("open", "high", "low", "close")
FRAME_COLUMNS = ("symbol", "ts", "open", "high", "low", "close", "volume", "trades")
KRAKEN_FIELDS = ("ts", "open", "high", "low", "close", "volume", "trades")
HEADER_REQUIRED = ("symbol", "timestamp", "open", "high", "low", "close", "volume")
KRAKEN_NAME = re.compile(r"^(?P<pair>[A-Za-z0-9.]+)_(?P<interval>\d+)\.csv$", re.IGNORECASE)
SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,31}$")
# Plausible bar times: 2009-01-01 .. 2100-01-01. Outside, the file most likely holds milliseconds.
MIN_EPOCH = 1_230_768_000
MAX_EPOCH = 4_102_444_800
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class BarFileError(UsageError):
    """A file (or in-memory batch) that fails validation, with the line that fails."""

    def __init__(self, name: str, reason: str, line: int | None = None, unit: str = "line"):
        self.name, self.reason, self.line = name, reason, line
        self.unit = unit
        where = f"{name}: {unit} {line}: " if line is not None else f"{name}: "
        super().__init__(where + reason)

    def __reduce__(self):  # travels back from validation worker processes intact
        return (BarFileError, (self.name, self.reason, self.line, self.unit))


@dataclass(frozen=True)
class FileLayout:
    """How the original file maps to the table, so an engine's bulk loader can read it as is."""

    kind: str  # "kraken" or "header"
    fields: tuple[str | None, ...]  # target column of each field in the file, None to skip
    header_lines: int
    line_terminator: str
    ts_format: str  # "epoch" or "datetime"
    symbol: str | None = None  # Kraken files: the pair from the file name
    direct: bool = True  # False when the file needs normalising first (BOM, odd formats)


@dataclass
class BarBatch:
    """Validated bars: the normalised frame and, for a file, where it came from.

    A "keys only" batch (see `keys_only`) keeps just symbol and ts: enough to detect a bar that
    two inputs share, for files an engine bulk-loads straight from disk.
    """

    name: str
    frame: pd.DataFrame
    path: Path | None = None
    layout: FileLayout | None = None
    symbols: list[str] = field(default_factory=list)
    trades_missing: bool = False  # some bars have no trade count (NULL)

    @property
    def rows(self) -> int:
        return len(self.frame)

    def keys_only(self) -> BarBatch:
        return BarBatch(name=self.name, frame=self.frame[["symbol", "ts"]], path=self.path, layout=self.layout,
                        symbols=self.symbols, trades_missing=self.trades_missing)


# ----------------------------------------------------------------------------- validation


def find_violation(frame: pd.DataFrame) -> tuple[int, str] | None:
    """The first row (position) that breaks a rule, and why; None when every bar is sane.

    `frame` has FRAME_COLUMNS: symbol (str), ts (int64 unix seconds), prices and volume (float64),
    trades (float64 or nullable int, NaN/NA when unknown).
    """
    found: list[tuple[int, int, str]] = []  # (row, rule order, reason)

    def first(mask: np.ndarray | pd.Series, order: int, describe) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            row = int(mask.argmax())
            found.append((row, order, describe(row)))

    symbols = frame["symbol"]
    first(symbols.isna().to_numpy(), 0, lambda r: "missing symbol")
    bad_symbols = [s for s in pd.unique(symbols.dropna()) if not SYMBOL.match(str(s))]
    if bad_symbols:
        first(symbols.isin(bad_symbols).to_numpy(), 1, lambda r: f"invalid symbol {symbols.iloc[r]!r}")

    ts = frame["ts"].to_numpy()
    first((ts < MIN_EPOCH) | (ts >= MAX_EPOCH), 2, lambda r: (
        f"timestamp {ts[r]} is outside 2009..2100 (unix seconds expected; milliseconds?)"))
    first(ts % 60 != 0, 3, lambda r: f"timestamp {_fmt_ts(ts[r])} is not on a minute boundary")

    for order, column in enumerate(("open", "high", "low", "close", "volume"), start=10):
        values = frame[column].to_numpy(dtype=np.float64)
        first(np.isnan(values), order, lambda r, c=column: f"missing {c}")
        first(np.isinf(values), order, lambda r, c=column: f"{c} is not finite")
    prices = {c: frame[c].to_numpy(dtype=np.float64) for c in PRICE_COLUMNS}
    for order, column in enumerate(PRICE_COLUMNS, start=20):
        values = prices[column]
        first(values <= 0, order, lambda r, c=column, v=values: f"{c} is not positive ({_num(v[r])})")
    high, low = prices["high"], prices["low"]
    top = np.maximum(prices["open"], prices["close"])
    bottom = np.minimum(prices["open"], prices["close"])
    first(high < top, 30, lambda r: f"high {_num(high[r])} is below open/close {_num(top[r])}")
    first(low > bottom, 31, lambda r: f"low {_num(low[r])} is above open/close {_num(bottom[r])}")
    volume = frame["volume"].to_numpy(dtype=np.float64)
    first(volume < 0, 32, lambda r: f"volume is negative ({_num(volume[r])})")
    trades = frame["trades"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        first(trades < 0, 33, lambda r: f"trades is negative ({_num(trades[r])})")
        first(np.isfinite(trades) & (trades != np.floor(trades)), 34,
              lambda r: f"trades is not a whole number ({_num(trades[r])})")

    if _keys_strictly_increasing(frame):
        return _earliest(found)
    duplicated = frame.duplicated(["symbol", "ts"], keep="first").to_numpy()
    if duplicated.any():
        row = int(duplicated.argmax())
        key = (frame["symbol"].iloc[row], ts[row])
        same = (frame["symbol"].astype(object).to_numpy() == key[0]) & (ts == key[1])
        earlier = int(same.argmax())
        found.append((row, 40, f"duplicate bar {key[0]} {_fmt_ts(key[1])} (first at {{unit}} {{line:{earlier}}})"))

    return _earliest(found)


def _earliest(found: list[tuple[int, int, str]]) -> tuple[int, str] | None:
    if not found:
        return None
    row, _, reason = min(found)
    return row, reason


def _keys_strictly_increasing(frame: pd.DataFrame) -> bool:
    """True for the common case of one symbol with increasing times: then no key repeats (O(n))."""
    if len(frame) < 2:
        return True
    symbols = frame["symbol"]
    if isinstance(symbols.dtype, pd.CategoricalDtype):
        codes = symbols.cat.codes.to_numpy()
        if not (codes == codes[0]).all() or codes[0] < 0:
            return False
    elif not (symbols == symbols.iloc[0]).all():
        return False
    return bool((np.diff(frame["ts"].to_numpy()) > 0).all())


def _num(value) -> str:
    return repr(float(value))


def _fmt_ts(epoch: int) -> str:
    return pd.Timestamp(int(epoch), unit="s").strftime(DATETIME_FORMAT)


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast an in-memory frame to FRAME_COLUMNS dtypes (trades as nullable Int64)."""
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns and c != "trades"]
    if missing:
        raise UsageError(f"bars are missing column(s): {', '.join(missing)}")
    out = pd.DataFrame({
        "symbol": frame["symbol"].astype("category"),
        "ts": frame["ts"].astype(np.int64),
        **{c: frame[c].astype(np.float64) for c in (*PRICE_COLUMNS, "volume")},
        "trades": frame["trades"].astype(np.float64) if "trades" in frame else np.nan,
    })
    return out


def _finish(name: str, frame: pd.DataFrame, **kwargs) -> BarBatch:
    frame = frame.reset_index(drop=True)
    frame["trades"] = frame["trades"].astype("Int64")
    return BarBatch(name=name, frame=frame, symbols=sorted(str(s) for s in pd.unique(frame["symbol"])),
                    trades_missing=bool(frame["trades"].isna().any()), **kwargs)


def validate_frame(name: str, frame: pd.DataFrame) -> BarBatch:
    """Validate an in-memory batch (rows are numbered from 1 in messages)."""
    frame = normalise_frame(frame)
    _raise_on_violation(name, frame, first_line=1, unit="row")
    return _finish(name, frame)


def _raise_on_violation(name: str, frame: pd.DataFrame, *, first_line: int, unit: str) -> None:
    violation = find_violation(frame)
    if violation is None:
        return
    row, reason = violation
    reason = re.sub(r"\{line:(\d+)\}", lambda m: str(int(m.group(1)) + first_line), reason)
    reason = reason.replace("{unit}", unit)
    raise BarFileError(name, reason, row + first_line, unit)


# ----------------------------------------------------------------------------- files


def read_bar_file(path: str | Path) -> BarBatch:
    """Parse and validate one file. Raises BarFileError naming the file and line."""
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BarFileError(name, f"cannot read: {exc.strerror or exc}") from exc
    direct = True
    if data.startswith(b"\xef\xbb\xbf"):
        data, direct = data[3:], False
    if not data.strip():
        raise BarFileError(name, "file is empty")
    try:
        text_head = data[: data.find(b"\n") if b"\n" in data else len(data)].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BarFileError(name, "not UTF-8 text", 1) from exc
    crlf = text_head.endswith("\r")
    if crlf and data.count(b"\r\n") != data.count(b"\n"):
        direct = False  # mixed line endings: parseable, but normalise before a bulk load
    first_fields = next(csv.reader([text_head.rstrip("\r")]))
    has_header = not _is_number(first_fields[0])

    expected = len(first_fields)
    if has_header:
        layout, usecols, names = _header_layout(name, first_fields, crlf)
    else:
        layout, usecols, names = _kraken_layout(name, path, expected, crlf)
    # Headerless files are read without `usecols`, so the parser itself rejects a long line and
    # byte counts suffice; with a header, extra fields would be ignored silently: count per line.
    n_lines = None if has_header else _quick_line_count(data)
    if n_lines is None:
        counts, n_lines = _field_counts(name, data)
        bad = np.flatnonzero(counts != expected)
        if bad.size:
            line = int(bad[0]) + 1
            raise BarFileError(name, f"expected {expected} fields, found {int(counts[bad[0]])}", line)

    if not direct or n_lines < 0:
        layout = FileLayout(**{**layout.__dict__, "direct": False})

    frame = _parse_numbers(name, data, layout, usecols, names)
    first_line = layout.header_lines + 1
    if layout.kind == "kraken":
        frame.insert(0, "symbol", pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8),
                                                            categories=[layout.symbol]))
    else:
        frame["symbol"] = frame["symbol"].astype("category")
    frame, layout = _parse_timestamps(name, frame, layout, first_line)
    if "trades" not in frame:
        frame["trades"] = np.nan
    frame = frame[list(FRAME_COLUMNS)]
    _raise_on_violation(name, frame, first_line=first_line, unit="line")
    return _finish(name, frame, path=path, layout=layout)


def _is_number(text: str) -> bool:
    try:
        float(text.strip().strip('"'))
    except ValueError:
        return False
    return True


def _quick_line_count(data: bytes) -> int | None:
    """The number of lines when every line is non-blank and has as many fields as the first.

    Two byte counts decide it in the common case: no quotes, no blank line, and as many commas
    as (fields - 1) x lines. Otherwise None, and _field_counts looks line by line.
    """
    if b'"' in data or b"\n\n" in data or b"\n\r\n" in data:
        return None
    body = data if data.endswith(b"\n") else data + b"\n"
    lines = body.count(b"\n")
    first_line = body[: body.index(b"\n")]
    per_line = first_line.count(b",")
    if body.count(b",") != per_line * lines:
        return None
    # Equal totals could hide a short line balanced by a long one; for headerless files (read
    # without usecols) the parser rejects any long line, so equal totals mean every line fits.
    return lines


def _field_counts(name: str, data: bytes) -> tuple[np.ndarray, int]:
    """Fields per line and the number of physical lines, or -1 when blank lines trail the data.

    A blank line inside the data is an error. Quoted files fall back to the csv module.
    """
    if b'"' in data:
        counts = []
        rows = csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline=""))
        for row in rows:
            counts.append(len(row) if any(cell.strip() for cell in row) else 0)
        n_lines = len(counts)
    else:
        raw = np.frombuffer(data, dtype=np.uint8)
        newlines = np.flatnonzero(raw == 10)
        ends = newlines if data.endswith(b"\n") else np.append(newlines, len(data))
        starts = np.concatenate(([0], ends[:-1] + 1))
        commas = np.flatnonzero(raw == 44)
        counts = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
        length = ends - starts
        cr = np.zeros_like(length)
        nonempty = length > 0
        cr[nonempty] = raw[ends[nonempty] - 1] == 13
        blank = (length - cr) == 0
        counts = np.where(blank, 0, counts)
        n_lines = len(counts)
    counts = np.asarray(counts)
    last = len(counts)
    while last > 0 and counts[last - 1] == 0:
        last -= 1
    trailing_blanks = last < len(counts)
    counts = counts[:last]
    blank_inside = np.flatnonzero(counts == 0)
    if blank_inside.size:
        raise BarFileError(name, "empty line", int(blank_inside[0]) + 1)
    return counts, -1 if trailing_blanks else n_lines


def _kraken_layout(name: str, path: Path, n_fields: int, crlf: bool):
    match = KRAKEN_NAME.match(path.name)
    if not match:
        raise BarFileError(
            name, "a file without a header must be a Kraken OHLCVT file named PAIR_1.csv "
            "(for example XBTUSD_1.csv), or have a header naming symbol,timestamp,open,high,low,"
            "close,volume", 1)
    if match.group("interval") != "1":
        raise BarFileError(
            name, f"interval {match.group('interval')} minutes: only 1-minute files (PAIR_1.csv) "
            "are accepted")
    if n_fields not in (6, 7):
        raise BarFileError(
            name, f"expected 6 or 7 fields (time,open,high,low,close,volume[,trades]), found {n_fields}", 1)
    fields = KRAKEN_FIELDS[:n_fields]
    layout = FileLayout(kind="kraken", fields=fields, header_lines=0,
                        line_terminator="\r\n" if crlf else "\n", ts_format="epoch",
                        symbol=match.group("pair").upper())
    return layout, None, list(fields)


def _header_layout(name: str, header: list[str], crlf: bool):
    columns = [h.strip().strip('"').lower() for h in header]
    seen: set[str] = set()
    for column in columns:
        if column in seen and column in (*HEADER_REQUIRED, "trades"):
            raise BarFileError(name, f"column {column!r} appears twice in the header", 1)
        seen.add(column)
    missing = [c for c in HEADER_REQUIRED if c not in columns]
    if missing:
        raise BarFileError(
            name, f"missing column(s) {', '.join(missing)} in the header (needs "
            f"{','.join(HEADER_REQUIRED)}[,trades])", 1)
    wanted = (*HEADER_REQUIRED, "trades")
    fields = tuple(c if c in wanted else None for c in columns)
    layout = FileLayout(kind="header", fields=fields, header_lines=1,
                        line_terminator="\r\n" if crlf else "\n", ts_format="epoch")
    usecols = [i for i, c in enumerate(fields) if c is not None]
    names = [fields[i] for i in usecols]
    return layout, usecols, names


_FLOAT_COLUMNS = ("open", "high", "low", "close", "volume", "trades")


def _parse_numbers(name: str, data: bytes, layout: FileLayout, usecols, names) -> pd.DataFrame:
    dtype = {c: np.float64 for c in names if c in _FLOAT_COLUMNS}
    dtype["symbol"] = object
    dtype["ts"] = np.float64
    kwargs = dict(
        header=None, skiprows=layout.header_lines, names=names, usecols=usecols,
        skip_blank_lines=True, engine="c",
        keep_default_na=False, na_values=[""],
    )
    if layout.kind == "header":
        dtype["timestamp"] = object
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype={k: v for k, v in dtype.items() if k in names}, **kwargs)
    except pd.errors.ParserError as exc:
        counts, _ = _field_counts(name, data)
        bad = np.flatnonzero(counts != len(layout.fields))
        if bad.size:
            line = int(bad[0]) + 1
            raise BarFileError(name, f"expected {len(layout.fields)} fields, found {int(counts[bad[0]])}",
                               line) from None
        raise BarFileError(name, f"cannot parse the file as CSV: {exc}") from None
    except (ValueError, OverflowError):
        frame = None
    if frame is not None:
        if "ts" not in frame:
            return frame
        ts = frame["ts"].to_numpy()
        bad = ~np.isfinite(ts) | (ts != np.floor(ts))
        if not bad.any():
            frame["ts"] = ts.astype(np.int64)
            return frame
    # Something does not parse: find the first offending line and say what it is.
    raw = pd.read_csv(io.BytesIO(data), dtype=str, **kwargs)
    worst: tuple[int, str] | None = None
    for column in names:
        if column in ("symbol", "timestamp"):
            continue
        values = raw[column]
        coerced = pd.to_numeric(values, errors="coerce")
        bad = (coerced.isna() & values.notna()).to_numpy()
        if column == "ts":
            bad = bad | (values.isna() | (coerced != np.floor(coerced))).to_numpy()
        if bad.any():
            row = int(bad.argmax())
            if column == "ts" and pd.isna(values.iloc[row]):
                candidate = (row, "missing time")
            else:
                label = "time" if column == "ts" else column
                kind = "a whole number of unix seconds" if column == "ts" else "a number"
                candidate = (row, f"{label} is not {kind} ({values.iloc[row]!r})")
            worst = candidate if worst is None or candidate[0] < worst[0] else worst
    if worst is None:
        raise BarFileError(name, "cannot parse the file as CSV")
    row, reason = worst
    raise BarFileError(name, reason, row + layout.header_lines + 1)


def _parse_timestamps(name: str, frame: pd.DataFrame, layout: FileLayout, first_line: int):
    if layout.kind == "kraken":
        return frame, layout
    raw = frame.pop("timestamp")
    missing = raw.isna().to_numpy()
    if missing.any():
        raise BarFileError(name, "missing timestamp", int(missing.argmax()) + first_line)
    as_int = pd.to_numeric(raw, errors="coerce")
    if as_int.notna().all() and (as_int == np.floor(as_int)).all():
        frame.insert(1, "ts", as_int.astype(np.int64))
        return frame, layout
    try:
        parsed = pd.to_datetime(raw, format=DATETIME_FORMAT, utc=True)
        ts_format, direct = "datetime", layout.direct
    except (ValueError, TypeError):
        parsed = pd.to_datetime(raw, format="ISO8601", utc=True, errors="coerce")
        ts_format, direct = "datetime", False
        bad = parsed.isna().to_numpy()
        if bad.any():
            row = int(bad.argmax())
            raise BarFileError(
                name, f"timestamp {raw.iloc[row]!r} is neither unix seconds nor a UTC date-time "
                "(YYYY-MM-DD HH:MM:SS)", row + first_line) from None
    nanos = parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    sub_second = np.flatnonzero(nanos % 1_000_000_000 != 0)
    if sub_second.size:
        row = int(sub_second[0])
        raise BarFileError(name, f"timestamp {raw.iloc[row]!r} is not on a minute boundary", row + first_line)
    frame.insert(1, "ts", nanos // 1_000_000_000)
    layout = FileLayout(**{**layout.__dict__, "ts_format": ts_format, "direct": direct})
    return frame, layout
