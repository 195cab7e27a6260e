"""The thin layer every command shares: the argument parser, flag types, logging and exit codes."""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NoReturn

from .errors import JobFailed, UsageError

log = logging.getLogger("pipeline")

# Times given on the command line: bars are unix-time minutes, and a range of up to 100 years
# before the latest still fits Python's and the warehouses' datetimes.
EARLIEST_TIME = datetime(1970, 1, 1)
LATEST_TIME = datetime(9000, 1, 1)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad flag is a one-line UsageError (exit 2 through run()) instead of the usage text."""

    def __init__(self, prog: str, description: str | None) -> None:
        super().__init__(prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def bounded(kind: type, *, above: float | None = None, minimum: float | None = None,
            maximum: float | None = None) -> Callable[[str], int | float]:
    """An argparse type: an int or a finite float, greater than `above`, at least `minimum`, at most
    `maximum`. argparse names the flag in the message."""
    parts = ([f"greater than {above:g}"] if above is not None else []) + \
            ([f"at least {minimum:g}"] if minimum is not None else []) + \
            ([f"at most {maximum:g}"] if maximum is not None else [])
    wanted = ("an integer" if kind is int else "a number") + (" " + " and ".join(parts) if parts else "")

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if ((kind is float and not math.isfinite(value)) or (above is not None and value <= above)
                or (minimum is not None and value < minimum) or (maximum is not None and value > maximum)):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    parse.__name__ = kind.__name__
    return parse


def utc_time(text: str) -> datetime | None:
    """An argparse type: an ISO time, UTC unless it carries an offset, as a naive UTC datetime; an
    empty string means the flag's default (None), so `--as-of "$AS_OF"` works with AS_OF unset."""
    if not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a UTC time like 2026-11-01T00:00, got {text!r}") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if not EARLIEST_TIME <= value < LATEST_TIME:
        raise argparse.ArgumentTypeError(f"{text!r} is outside {EARLIEST_TIME:%Y}..{LATEST_TIME:%Y}")
    return value


def first_line(value: object) -> str:
    """The first line of a message (an exception's can run over several): errors are one line."""
    text = str(value).strip()
    return text.splitlines()[0] if text else ""


def text_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned columns two spaces apart, a dashed rule under the headers: the printed tables."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in [headers, ["-" * w for w in widths], *rows]]


def add_target_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        help="dbt target to use (default: the profile's default target, DBT_TARGET or duckdb)",
    )
    parser.add_argument(
        "--profiles-dir",
        help="folder holding profiles.yml (default: DBT_PROFILES_DIR, ., the project, ~/.dbt)",
    )


def add_verbosity_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")


def setup_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if getattr(args, "verbose", False) else logging.INFO
    if getattr(args, "quiet", False):
        level = logging.WARNING
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S", force=True
    )


def run(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run a command's main, turning known errors into one-line messages and exit codes."""
    setup_logging(argparse.Namespace())  # so that an error in the flags, before main sets the level, is logged too
    try:
        return main(argv)
    except UsageError as exc:
        log.error("%s", exc)
        return 2
    except JobFailed as exc:
        log.error("%s", exc)
        return 1
    except OSError as exc:  # the disk or the system refused (full, read-only, gone): a failure, in one line
        log.debug("details", exc_info=True)
        log.error("%s", exc)
        return 1
    except Exception as exc:
        if not _warehouse_error(exc):
            raise  # a bug: its traceback is what a developer needs
        log.debug("details", exc_info=True)
        log.error("the warehouse refused a query: %s", first_line(exc))
        return 1
    except KeyboardInterrupt:
        log.error("interrupted")
        return 1


def _warehouse_error(exc: Exception) -> bool:
    """An error of a warehouse driver (a relation without the columns asked for, a server gone away
    mid-query): a failure of the job, not a bug in it. The drivers are only checked once imported."""
    for module in ("duckdb", "pymysql"):
        driver = sys.modules.get(module)
        if driver is not None and isinstance(exc, driver.Error):
            return True
    spark = sys.modules.get("pyspark.errors")  # Spark's SQL errors (AnalysisException, ...)
    if spark is not None and isinstance(exc, spark.PySparkException):
        return True
    jvm = sys.modules.get("py4j.protocol")  # a failed Spark job, as the JVM raised it
    return jvm is not None and isinstance(exc, jvm.Py4JError)


def entry(main: Callable[[list[str] | None], int]) -> None:
    sys.exit(run(main))
