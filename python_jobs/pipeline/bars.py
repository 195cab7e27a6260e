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
import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import UsageError
from .project import project_var

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
# Bounds no market produces (docs/loading.md, "Bounds") are the var bar_value_limits, which
# staging quarantines by as well: one definition, in dbt_project.yml.
LIMIT_KEYS = ("min_price", "max_price", "max_volume", "max_trades")
# A bar line takes under 200 bytes and a header with extra columns a few KiB: a longer line means
# the file is not bars (or lost its line ends), and it is refused before more of it is read.
MAX_LINE_BYTES = 64 * 1024
READ_CHUNK_BYTES = 8 * 1024 * 1024


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


@functools.cache
def value_limits() -> dict[str, float]:
    """The var bar_value_limits: prices in [min_price, max_price), volume below max_volume, trades
    at most max_trades. Past them a value is corruption that would overflow sums downstream."""
    limits = project_var("bar_value_limits")
    out = {}
    for key in LIMIT_KEYS:
        value = limits.get(key) if isinstance(limits, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
            raise UsageError(f"var bar_value_limits: expected a finite positive number for {key}, got {value!r}")
        out[key] = float(value)
    if out["min_price"] >= out["max_price"]:
        raise UsageError("var bar_value_limits: min_price must be below max_price")
    return out


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
        first(np.isinf(values), order, lambda r, c=column, v=values: f"{c} is not finite ({_num(v[r])})")
    limits = value_limits()
    low_price, high_price = limits["min_price"], limits["max_price"]
    prices = {c: frame[c].to_numpy(dtype=np.float64) for c in PRICE_COLUMNS}
    for order, column in enumerate(PRICE_COLUMNS, start=20):
        values = prices[column]
        first(values <= 0, order, lambda r, c=column, v=values: f"{c} is not positive ({_num(v[r])})")
        first((values > 0) & ((values < low_price) | (values >= high_price)), order + 4,
              lambda r, c=column, v=values: _out_of_range(c, v[r], f"prices lie in [{low_price:g}, {high_price:g})"))
    high, low = prices["high"], prices["low"]
    top = np.maximum(prices["open"], prices["close"])
    bottom = np.minimum(prices["open"], prices["close"])
    first(high < top, 30, lambda r: f"high {_num(high[r])} is below open/close {_num(top[r])}")
    first(low > bottom, 31, lambda r: f"low {_num(low[r])} is above open/close {_num(bottom[r])}")
    volume = frame["volume"].to_numpy(dtype=np.float64)
    first(volume < 0, 32, lambda r: f"volume is negative ({_num(volume[r])})")
    first(np.isfinite(volume) & (volume >= limits["max_volume"]), 32,
          lambda r: _out_of_range("volume", volume[r], f"volume lies below {limits['max_volume']:g}"))
    trades = frame["trades"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        first(np.isinf(trades), 33, lambda r: f"trades is not finite ({_num(trades[r])})")
        first(trades < 0, 33, lambda r: f"trades is negative ({_num(trades[r])})")
        first(np.isfinite(trades) & (trades > limits["max_trades"]), 33,
              lambda r: _out_of_range("trades", trades[r], f"trades are at most {limits['max_trades']:g}"))
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


def _out_of_range(column: str, value: float, bound: str) -> str:
    return f"{column} {_num(value)} is out of range: no market produces it ({bound})"


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
    """Parse and validate one file. Raises BarFileError naming the file and line.

    The raw bytes are read once in pieces of READ_CHUNK_BYTES (never the whole file at once), then
    parsed from disk: memory holds the parsed bars, not a copy of the file.
    """
    path = Path(path)
    name = str(path)
    scan = _scan(name, path)
    first_fields = next(csv.reader([scan.head]))
    has_header = not _is_number(first_fields[0])
    expected = len(first_fields)
    if has_header:
        layout, usecols, names = _header_layout(name, first_fields, scan.crlf)
    else:
        layout, usecols, names = _kraken_layout(name, path, expected, scan.crlf)
    _raise_on_bad_lines(name, scan)
    if scan.start or scan.mixed_eol or scan.trailing_blanks:
        layout = FileLayout(**{**layout.__dict__, "direct": False})

    frame = _parse_numbers(name, path, scan, layout, usecols, names)
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


@dataclass
class _Scan:
    """What one bounded pass over a file's bytes found: enough to parse it without holding it."""

    start: int = 0  # bytes before the data: 3 after a UTF-8 byte-order mark
    head: str = ""  # the first line, without its line end
    crlf: bool = False  # the first line ends in CRLF
    mixed_eol: bool = False  # some line ends differ from the first line's
    trailing_blanks: bool = False
    quoted: bool = False
    blank_inside: int | None = None  # the first blank line that has data after it
    bad_count: tuple[int, int] | None = None  # (line, fields) of the first line unlike line 1


def _scan(name: str, path: Path, *, count_each: bool | None = None) -> _Scan:
    """Read the file in bounded pieces: line lengths, UTF-8, blank lines, line ends, field counts.

    A line over MAX_LINE_BYTES or a byte that is not UTF-8 is an error at once, so a huge file
    without a newline costs one piece of memory. Field counts are checked line by line when
    `count_each` (default: files with a header, whose parse ignores extra fields); otherwise by
    comma totals per piece, and the parser rejects the long lines that totals cannot see.
    """
    scan = _Scan()
    state = {"lines": 0, "pending_blank": None, "expected": None, "count_each": count_each,
             "eol_lines": 0, "crlf_lines": 0, "data": False}
    try:
        with open(path, "rb") as handle:
            carry = b""
            first = True
            while True:
                chunk = handle.read(READ_CHUNK_BYTES)
                if first and chunk.startswith(b"\xef\xbb\xbf"):
                    chunk, scan.start = chunk[3:], 3
                first = False
                if not chunk:
                    if carry:
                        _scan_piece(name, carry, scan, state)
                    break
                cut = chunk.rfind(b"\n")
                if cut < 0:
                    carry += chunk
                    if len(carry) > MAX_LINE_BYTES:
                        raise BarFileError(name, _TOO_LONG, state["lines"] + 1)
                    continue
                piece, carry = carry + chunk[: cut + 1], chunk[cut + 1:]
                _scan_piece(name, piece, scan, state)
                if len(carry) > MAX_LINE_BYTES:
                    raise BarFileError(name, _TOO_LONG, state["lines"] + 1)
    except OSError as exc:
        raise BarFileError(name, f"cannot read: {exc.strerror or exc}") from exc
    if not state["data"]:
        raise BarFileError(name, "file is empty")
    if not scan.head.strip("\r"):
        raise BarFileError(name, "empty line", 1)
    scan.trailing_blanks = state["pending_blank"] is not None
    scan.mixed_eol = 0 < state["crlf_lines"] < state["eol_lines"]
    if scan.quoted:
        _csv_counts(name, path, scan)
    return scan


_TOO_LONG = (f"line is longer than {MAX_LINE_BYTES // 1024} KiB (a bar takes under 200 bytes): "
             "not a CSV file of bars, or its line ends are missing")


def _scan_piece(name: str, piece: bytes, scan: _Scan, state: dict) -> None:
    """Check whole lines (`piece` ends at a newline, or at the end of the file)."""
    before = state["lines"]
    raw = np.frombuffer(piece, dtype=np.uint8)
    newlines = np.flatnonzero(raw == 10)
    ends = newlines if piece.endswith(b"\n") else np.append(newlines, len(piece))
    starts = np.concatenate(([0], ends[:-1] + 1))
    length = ends - starts
    too_long = np.flatnonzero(length > MAX_LINE_BYTES)
    if too_long.size:
        raise BarFileError(name, _TOO_LONG, before + int(too_long[0]) + 1)
    if not piece.isascii():
        try:
            piece.decode("utf-8")
        except UnicodeDecodeError as exc:  # a newline never falls inside a UTF-8 sequence
            line = before + piece.count(b"\n", 0, exc.start) + 1
            raise BarFileError(name, f"not UTF-8 text (byte 0x{piece[exc.start]:02x})", line) from None
    cr = np.zeros(len(length), dtype=bool)
    nonempty = length > 0
    cr[nonempty] = raw[ends[nonempty] - 1] == 13
    blank = (length - cr) == 0
    state["eol_lines"] += len(newlines)
    state["crlf_lines"] += int(cr[: len(newlines)].sum())
    if state["expected"] is None:
        scan.head = piece[: ends[0]].decode("utf-8").rstrip("\r")
        scan.crlf = bool(cr[0]) and len(newlines) > 0
        head_fields = next(csv.reader([scan.head]), None) or [""]
        state["expected"] = len(head_fields)
        if state["count_each"] is None:
            state["count_each"] = not _is_number(head_fields[0])
    if b'"' in piece:
        scan.quoted = True

    data_rows = np.flatnonzero(~blank)
    blank_rows = np.flatnonzero(blank)
    if data_rows.size:
        state["data"] = state["data"] or bool(piece.strip())  # lines of spaces only: still an empty file
        if scan.blank_inside is None:
            if state["pending_blank"] is not None:
                scan.blank_inside = state["pending_blank"]
            else:
                inside = blank_rows[blank_rows < data_rows[-1]]
                if inside.size:
                    scan.blank_inside = before + int(inside[0]) + 1
        after = blank_rows[blank_rows > data_rows[-1]]
        state["pending_blank"] = before + int(after[0]) + 1 if after.size else None
    elif blank_rows.size and state["pending_blank"] is None:
        state["pending_blank"] = before + int(blank_rows[0]) + 1

    if scan.bad_count is None and not scan.quoted:
        expected = state["expected"]
        if state["count_each"] or piece.count(b",") != (expected - 1) * data_rows.size:
            commas = np.flatnonzero(raw == 44)
            counts = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
            bad = np.flatnonzero(~blank & (counts != expected))
            if bad.size:
                scan.bad_count = (before + int(bad[0]) + 1, int(counts[bad[0]]))
    state["lines"] = before + len(length)


def _csv_counts(name: str, path: Path, scan: _Scan) -> None:
    """Field counts and blank lines of a file with quotes, row by row (the csv module, streamed)."""
    scan.blank_inside, scan.bad_count = None, None
    expected = len(next(csv.reader([scan.head])))
    pending_blank = None
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        number = 0
        try:
            for number, row in enumerate(rows, start=1):
                if not any(cell.strip() for cell in row):
                    pending_blank = pending_blank or number
                    continue
                if pending_blank is not None and scan.blank_inside is None:
                    scan.blank_inside = pending_blank
                pending_blank = None
                if scan.bad_count is None and len(row) != expected:
                    scan.bad_count = (number, len(row))
        except csv.Error as exc:  # a quote left open swallows lines up to the csv module's limit
            raise BarFileError(name, f"cannot parse the file as CSV ({exc}; a quote left open?)",
                               number + 1) from None
    scan.trailing_blanks = pending_blank is not None


def _raise_on_bad_lines(name: str, scan: _Scan) -> None:
    if scan.blank_inside is not None:
        raise BarFileError(name, "empty line", scan.blank_inside)
    if scan.bad_count is not None:
        line, found = scan.bad_count
        expected = len(next(csv.reader([scan.head])))
        raise BarFileError(name, f"expected {expected} fields, found {found}", line)


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


def _read_csv(path: Path, start: int, **kwargs) -> pd.DataFrame:
    """pandas' C parser reading from disk past `start` (the byte-order mark), not from a copy in memory."""
    with open(path, "rb") as handle:
        handle.seek(start)
        return pd.read_csv(handle, **kwargs)


def _outside_epochs(value) -> str:
    return f"timestamp {value} is outside 2009..2100 (unix seconds expected; milliseconds?)"


def _castable_seconds(ts: np.ndarray) -> np.ndarray:
    """Finite whole seconds that fit int64 (1e20 does not: it is reported, not wrapped around)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(ts) & (ts == np.floor(ts)) & (np.abs(ts) < 2.0**62)


def _parse_numbers(name: str, path: Path, scan: _Scan, layout: FileLayout, usecols, names) -> pd.DataFrame:
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
        frame = _read_csv(path, scan.start, dtype={k: v for k, v in dtype.items() if k in names}, **kwargs)
    except pd.errors.ParserError as exc:
        # Comma totals hid a long line balanced by a short one: count line by line to name it.
        _raise_on_bad_lines(name, _scan(name, path, count_each=True))
        raise BarFileError(name, f"cannot parse the file as CSV: {str(exc).splitlines()[0]}") from None
    except (ValueError, OverflowError):
        frame = None
    if frame is not None:
        if "ts" not in frame:
            return frame
        ts = frame["ts"].to_numpy()
        if _castable_seconds(ts).all():
            frame["ts"] = ts.astype(np.int64)
            return frame
    # Something does not parse: find the first offending line and say what it is.
    raw = _read_csv(path, scan.start, dtype=str, **kwargs)
    worst: tuple[int, str] | None = None
    for column in names:
        if column in ("symbol", "timestamp"):
            continue
        values = raw[column]
        coerced = pd.to_numeric(values, errors="coerce")
        bad = (coerced.isna() & values.notna()).to_numpy()
        if column == "ts":
            bad = bad | values.isna().to_numpy() | ~_castable_seconds(coerced.to_numpy(dtype=np.float64))
        if bad.any():
            row = int(bad.argmax())
            number = coerced.iloc[row]
            if column == "ts" and pd.isna(values.iloc[row]):
                candidate = (row, "missing time")
            elif column == "ts" and np.isfinite(number) and number == np.floor(number):
                candidate = (row, _outside_epochs(values.iloc[row]))
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
    if as_int.notna().all():
        castable = _castable_seconds(as_int.to_numpy(dtype=np.float64))
        if not castable.all():  # inf, 1e20: numbers, but no time
            row = int((~castable).argmax())
            number = as_int.iloc[row]
            reason = (_outside_epochs(raw.iloc[row]) if np.isfinite(number) and number == np.floor(number)
                      else f"timestamp {raw.iloc[row]!r} is not a whole number of unix seconds")
            raise BarFileError(name, reason, row + first_line)
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
