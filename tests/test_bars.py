"""Parsing and validating bar files: good layouts load, every corrupt file names its line."""

from __future__ import annotations

import time
import tracemalloc

import pandas as pd
import pytest

from helpers import GOOD_KRAKEN, write
from pipeline.bars import MAX_LINE_BYTES, READ_CHUNK_BYTES, BarFileError, read_bar_file, validate_frame, value_limits
from pipeline.errors import UsageError


def test_kraken_file_parses_with_symbol_from_name(tmp_path):
    batch = read_bar_file(write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN))
    assert batch.symbols == ["XBTUSD"]
    assert batch.layout.kind == "kraken" and batch.layout.direct
    assert batch.frame["ts"].tolist() == [1700000040, 1700000100, 1700000160]
    assert batch.frame["close"].tolist() == [1.1, 1.2, 1.2]
    assert batch.frame["trades"].tolist() == [3, 0, 2]


def test_kraken_file_without_trades_column(tmp_path):
    text = "".join(",".join(line.split(",")[:6]) + "\n" for line in GOOD_KRAKEN.splitlines())
    batch = read_bar_file(write(tmp_path / "ETHUSD_1.csv", text))
    assert batch.frame["trades"].isna().all()
    assert batch.layout.fields == ("ts", "open", "high", "low", "close", "volume")


def test_header_csv_with_datetimes_and_extra_columns(tmp_path):
    text = ("Symbol,timestamp,open,high,low,close,volume,vwap\n"
            "SOLUSD,2024-01-31 13:05:00,10,11,9,10.5,100,10.2\n"
            "ADAUSD,2024-01-31 13:05:00,1,1,1,1,0,1\n")
    batch = read_bar_file(write(tmp_path / "bars.csv", text))
    assert batch.symbols == ["ADAUSD", "SOLUSD"]
    assert batch.layout.ts_format == "datetime" and batch.layout.direct
    assert batch.layout.fields[-1] is None  # vwap is ignored
    assert batch.frame["ts"].tolist() == [1706706300, 1706706300]


def test_iso_timestamps_with_zone_are_normalised(tmp_path):
    text = "symbol,timestamp,open,high,low,close,volume,trades\nX,2024-01-31T13:05:00Z,1,1,1,1,1,\n"
    batch = read_bar_file(write(tmp_path / "b.csv", text))
    assert batch.frame["ts"].tolist() == [1706706300]
    assert batch.frame["trades"].isna().all()
    assert not batch.layout.direct  # a bulk loader cannot read this form as is


def test_crlf_bom_and_trailing_blank_lines(tmp_path):
    path = tmp_path / "XBTUSD_1.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_KRAKEN.replace("\n", "\r\n").encode() + b"\r\n\r\n")
    batch = read_bar_file(path)
    assert batch.rows == 3
    assert not batch.layout.direct
    frame = batch.frame
    assert frame["symbol"].astype(str).tolist() == ["XBTUSD"] * 3
    assert frame["ts"].tolist() == [1700000040, 1700000100, 1700000160]
    assert frame[["open", "high", "low", "close", "volume"]].values.tolist() == [
        [1.0, 1.2, 0.9, 1.1, 10.5], [1.1, 1.3, 1.0, 1.2, 0.0], [1.2, 1.25, 1.15, 1.2, 7.25]]
    assert frame["trades"].tolist() == [3, 0, 2]


def test_header_csv_with_bom_and_crlf_keeps_every_value(tmp_path):
    path = tmp_path / "bars.csv"
    text = ("symbol,timestamp,open,high,low,close,volume,trades\r\n"
            "SOLUSD,2024-01-31 13:05:00,10,11,9,10.5,100,7\r\n"
            "SOLUSD,2024-01-31 13:06:00,10.5,10.75,10.25,10.5,0.5,\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    batch = read_bar_file(path)
    assert batch.frame["symbol"].astype(str).tolist() == ["SOLUSD", "SOLUSD"]
    assert batch.frame["ts"].tolist() == [1706706300, 1706706360]
    assert batch.frame[["open", "high", "low", "close", "volume"]].values.tolist() == [
        [10.0, 11.0, 9.0, 10.5, 100.0], [10.5, 10.75, 10.25, 10.5, 0.5]]
    assert batch.frame["trades"].tolist()[0] == 7 and pd.isna(batch.frame["trades"].iloc[1])


@pytest.mark.parametrize(
    ("name", "text", "line", "reason"),
    [
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1.3,1.0", "1.3,abc"), 2, "low is not a number ('abc')"),
        ("XBTUSD_1.csv", GOOD_KRAKEN + "1700000220,1.2,1.25,1.15,1.2,7.25\n", 4, "expected 7 fields, found 6"),
        ("XBTUSD_1.csv", GOOD_KRAKEN + "1700000220,1,1,1,1,1,1,1\n", 4, "expected 7 fields, found 8"),
        ("XBTUSD_1.csv", GOOD_KRAKEN + GOOD_KRAKEN.splitlines()[1] + "\n", 4,
         "duplicate bar XBTUSD 2023-11-14 22:15:00 (first at line 2)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1700000100", "1700000130"), 2,
         "timestamp 2023-11-14 22:15:30 is not on a minute boundary"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1.2,1.25,1.15", "-1.2,1.25,1.15"), 3, "open is not positive (-1.2)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1.0,1.2,0.9", "1.0,1.05,0.9"), 1, "high 1.05 is below open/close 1.1"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1.0,1.2,0.9", "1.0,1.2,1.05"), 1, "low 1.05 is above open/close 1.0"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace(",0,0", ",-5,0"), 2, "volume is negative (-5.0)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace(",7.25,2", ",7.25,2.5"), 3, "trades is not a whole number (2.5)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1700000100", "1700000100000"), 2,
         "timestamp 1700000100000 is outside 2009..2100 (unix seconds expected; milliseconds?)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1700000100,", "1700000100.5,"), 2,
         "time is not a whole number of unix seconds ('1700000100.5')"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1700000100,1.1,1.3,1.0,1.2,0,0", ""), 2, "empty line"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1.1,1.3,1.0,1.2", "1.1,1.3,,1.2"), 2, "missing low"),
        ("bars.csv", "symbol,timestamp,open,high,low,volume\nX,1700000040,1,1,1,1\n", 1,
         "missing column(s) close in the header (needs symbol,timestamp,open,high,low,close,volume[,trades])"),
        ("bars.csv", "symbol,timestamp,open,high,low,close,volume\nX,2024-13-01 00:00:00,1,1,1,1,1\n", 2,
         "timestamp '2024-13-01 00:00:00' is neither unix seconds nor a UTC date-time (YYYY-MM-DD HH:MM:SS)"),
        ("bars.csv", "symbol,timestamp,open,high,low,close,volume\nBAD SYM,1700000040,1,1,1,1,1\n", 2,
         "invalid symbol 'BAD SYM'"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1.1,1.3,1.0,1.2,0,0", "1.1,1e308,1.0,1e308,1e308,0"), 2,
         "high 1e+308 is out of range: no market produces it (prices lie in [1e-15, 1e+15))"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1.1,1.3,1.0,1.2,0,0", "1.1,1.3,1.0,1.2,1e18,0"), 2,
         "volume 1e+18 is out of range: no market produces it (volume lies below 1e+18)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1.2,1.25,1.15,1.2", "1e-300,1.25,1e-300,1.2"), 3,
         "open 1e-300 is out of range: no market produces it (prices lie in [1e-15, 1e+15))"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace(",7.25,2", ",7.25,inf"), 3, "trades is not finite (inf)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace(",7.25,2", ",7.25,9223372036854775808"), 3,
         "trades 9.223372036854776e+18 is out of range: no market produces it (trades are at most 1e+12)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1700000100,", "1e20,"), 2,
         "timestamp 1e20 is outside 2009..2100 (unix seconds expected; milliseconds?)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1700000100,", "inf,"), 2,
         "time is not a whole number of unix seconds ('inf')"),
        ("bars.csv", "symbol,timestamp,open,high,low,close,volume\nX,1700000040,1,1,1,1,1\nX,inf,1,1,1,1,1\n", 3,
         "timestamp 'inf' is not a whole number of unix seconds"),
        ("bars.csv", "symbol,timestamp,open,high,low,close,volume\nX,1e20,1,1,1,1,1\n", 2,
         "timestamp 1e20 is outside 2009..2100 (unix seconds expected; milliseconds?)"),
    ],
    ids=["bad-number", "missing-field", "extra-field", "duplicate", "non-minute", "negative-price",
         "high-below", "low-above", "negative-volume", "fractional-trades", "milliseconds",
         "fractional-time", "empty-line", "missing-value", "missing-column", "bad-datetime", "bad-symbol",
         "absurd-price", "absurd-volume", "tiny-price", "infinite-trades", "trades-2-63", "kraken-time-1e20",
         "kraken-time-inf", "header-time-inf", "header-time-1e20"],
)
def test_corrupt_files_name_the_line_and_reason(tmp_path, name, text, line, reason):
    path = write(tmp_path / name, text)
    with pytest.raises(BarFileError) as error:
        read_bar_file(path)
    assert error.value.line == line
    assert error.value.reason == reason
    assert str(error.value) == f"{path}: line {line}: {reason}"


@pytest.mark.parametrize(
    ("name", "reason"),
    [("XBTUSD_60.csv", "interval 60 minutes: only 1-minute files (PAIR_1.csv) are accepted"),
     ("bars.csv", "a file without a header must be a Kraken OHLCVT file named PAIR_1.csv")],
)
def test_headerless_files_must_be_kraken_one_minute(tmp_path, name, reason):
    with pytest.raises(BarFileError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_bar_file(write(tmp_path / name, GOOD_KRAKEN))


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(BarFileError, match="file is empty"):
        read_bar_file(write(tmp_path / "XBTUSD_1.csv", "\n"))
    with pytest.raises(BarFileError, match="file is empty"):
        read_bar_file(write(tmp_path / "XBTUSD_1.csv", "  \r\n\t\n"))
    with pytest.raises(BarFileError, match="file is empty"):
        (tmp_path / "bom_1.csv").write_bytes(b"\xef\xbb\xbf")
        read_bar_file(tmp_path / "bom_1.csv")
    with pytest.raises(BarFileError) as error:
        read_bar_file(write(tmp_path / "XBTUSD_1.csv", "\n" + GOOD_KRAKEN))
    assert (error.value.line, error.value.reason) == (1, "empty line")
    with pytest.raises(BarFileError, match="cannot read"):
        read_bar_file(tmp_path / "nope_1.csv")


def test_in_memory_frames_report_rows():
    frame = pd.DataFrame({"symbol": ["A", "A"], "ts": [1700000040, 1700000100], "open": [1.0, 1.0],
                          "high": [1.0, 1.0], "low": [1.0, 2.0], "close": [1.0, 1.0], "volume": [1.0, 1.0]})
    with pytest.raises(BarFileError) as error:
        validate_frame("generated A", frame)
    assert str(error.value) == "generated A: row 2: low 2.0 is above open/close 1.0"
    assert validate_frame("ok", frame.iloc[:1]).rows == 1


def test_long_line_balanced_by_short_line_is_caught(tmp_path):
    header = "symbol,timestamp,open,high,low,close,volume\n"
    text = header + "X,1700000040,1,1,1,1,1,9\nX,1700000100,1,1,1,1\n"
    with pytest.raises(BarFileError) as error:
        read_bar_file(write(tmp_path / "h.csv", text))
    assert (error.value.line, error.value.reason) == (2, "expected 7 fields, found 8")
    kraken = GOOD_KRAKEN.replace(",10.5,3\n", ",10.5,3,1\n").replace(",0,0\n", ",0\n")
    with pytest.raises(BarFileError) as error:
        read_bar_file(write(tmp_path / "XBTUSD_1.csv", kraken))
    assert error.value.line == 1
    assert error.value.reason == "expected 6 or 7 fields (time,open,high,low,close,volume[,trades]), found 8"
    kraken = GOOD_KRAKEN.replace(",0,0\n", ",0,0,1\n").replace(",7.25,2\n", ",7.25\n")
    with pytest.raises(BarFileError) as error:
        read_bar_file(write(tmp_path / "XBTUSD_1.csv", kraken))
    assert (error.value.line, error.value.reason) == (2, "expected 7 fields, found 8")


def test_absurd_values_in_memory_batches_are_rejected():
    frame = pd.DataFrame({"symbol": ["A", "A"], "ts": [1700000040, 1700000100], "open": [1.0, 1.0],
                          "high": [1.0, 1e308], "low": [1.0, 1.0], "close": [1.0, 1e308], "volume": [1.0, 1e308],
                          "trades": [1.0, 2.0]})
    with pytest.raises(BarFileError) as error:
        validate_frame("Kraken OHLC A", frame)
    assert str(error.value) == ("Kraken OHLC A: row 2: high 1e+308 is out of range: no market produces it "
                                "(prices lie in [1e-15, 1e+15))")


def test_bounds_are_the_var_and_inclusive_where_documented(tmp_path):
    limits = value_limits()
    assert limits == {"min_price": 1e-15, "max_price": 1e15, "max_volume": 1e18, "max_trades": 1e12}
    low, most = limits["min_price"], int(limits["max_trades"])
    text = f"1700000040,{low!r},{low!r},{low!r},{low!r},0,{most}\n"
    batch = read_bar_file(write(tmp_path / "XBTUSD_1.csv", text))
    assert batch.frame["trades"].tolist() == [most]
    big = f"1700000040,1,{limits['max_price'] * 0.999!r},1,1,{limits['max_volume'] * 0.999!r},1\n"
    assert read_bar_file(write(tmp_path / "ETHUSD_1.csv", big)).rows == 1


@pytest.mark.parametrize("limits", [None, {"min_price": 1e-15, "max_price": 0, "max_volume": 1e18, "max_trades": 1},
                                    {"min_price": "x", "max_price": 1, "max_volume": 1, "max_trades": 1},
                                    {"min_price": 1, "max_price": float("inf"), "max_volume": 1, "max_trades": 1},
                                    {"min_price": 2, "max_price": 1, "max_volume": 1, "max_trades": 1}])
def test_bad_bar_value_limits_var_is_one_line(monkeypatch, limits):
    import pipeline.bars as bars

    monkeypatch.setattr(bars, "project_var", lambda name, default=None: limits)
    bars.value_limits.cache_clear()
    try:
        with pytest.raises(UsageError, match=r"^var bar_value_limits: (expected a finite positive number for \w+, got "
                                             r"|min_price must be below)"):
            bars.value_limits()
    finally:
        bars.value_limits.cache_clear()


@pytest.mark.parametrize("header", [False, True], ids=["kraken", "header"])
def test_non_utf8_byte_after_line_1_names_its_line(tmp_path, header):
    lines = GOOD_KRAKEN.encode().splitlines(keepends=True)
    if header:
        lines = [b"symbol,timestamp,open,high,low,close,volume,trades\n"] + [b"X," + line for line in lines]
        lines[3] = lines[3].replace(b"X,", b"X\xff,")
        path, line = tmp_path / "bars.csv", 4
    else:
        lines[1] = lines[1].replace(b",0,0", b",0,\xff")
        path, line = tmp_path / "XBTUSD_1.csv", 2
    path.write_bytes(b"".join(lines))
    with pytest.raises(BarFileError) as error:
        read_bar_file(path)
    assert str(error.value) == f"{path}: line {line}: not UTF-8 text (byte 0xff)"


def test_huge_line_fails_fast_with_bounded_memory(tmp_path):
    """30 MB without a newline after two good lines: refused after one read, not after reading it all."""
    path = tmp_path / "XBTUSD_1.csv"
    with open(path, "wb") as handle:
        handle.write("".join(GOOD_KRAKEN.splitlines(keepends=True)[:2]).encode())
        handle.write(b"1" * 30_000_000)
    assert path.stat().st_size > 30_000_000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(BarFileError) as error:
            read_bar_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5
    assert (error.value.line, error.value.reason.split(":")[0]) == (3, "line is longer than 64 KiB (a bar takes under "
                                                                        "200 bytes)")
    assert peak < 2 * READ_CHUNK_BYTES + 2 * MAX_LINE_BYTES, peak  # one piece, never the whole 30 MB


def test_big_file_is_read_in_pieces(tmp_path, monkeypatch):
    """A file larger than one piece parses the same as in one piece: lines across piece boundaries."""
    import pipeline.bars as bars

    rows = [f"{1700000040 + 60 * i},1.0,1.5,0.5,1.25,{i}.5,{i}\r\n" for i in range(3000)]
    path = tmp_path / "XBTUSD_1.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(rows).encode())
    whole = read_bar_file(path).frame
    monkeypatch.setattr(bars, "READ_CHUNK_BYTES", 1000)  # about 30 lines a piece, cut mid-line
    pieces = read_bar_file(path).frame
    pd.testing.assert_frame_equal(whole, pieces)
    assert pieces["volume"].iloc[-1] == 2999.5 and pieces["trades"].iloc[-1] == 2999
    rows[2000] = rows[2000].replace(",1.0,", ",1.0,9,")
    path.write_bytes("".join(rows).encode())
    with pytest.raises(BarFileError) as error:
        read_bar_file(path)
    assert (error.value.line, error.value.reason) == (2001, "expected 7 fields, found 8")
    rows[2000] = "\r\n"
    path.write_bytes("".join(rows).encode())
    with pytest.raises(BarFileError) as error:
        read_bar_file(path)
    assert (error.value.line, error.value.reason) == (2001, "empty line")
