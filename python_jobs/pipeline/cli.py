"""The thin layer every command shares: logging, common flags and exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from .errors import JobFailed, UsageError

log = logging.getLogger("pipeline")


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
    try:
        return main(argv)
    except UsageError as exc:
        log.error("%s", exc)
        return 2
    except JobFailed as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        log.error("interrupted")
        return 1


def entry(main: Callable[[list[str] | None], int]) -> None:
    sys.exit(run(main))
