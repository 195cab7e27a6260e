"""Parsing and validating bar files: good layouts load, every corrupt file names its line."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import GOOD_KRAKEN, write
from pipeline.bars import BarFileError, read_bar_file, validate_frame


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
    ],
    ids=["bad-number", "missing-field", "extra-field", "duplicate", "non-minute", "negative-price",
         "high-below", "low-above", "negative-volume", "fractional-trades", "milliseconds",
         "fractional-time", "empty-line", "missing-value", "missing-column", "bad-datetime", "bad-symbol"],
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
