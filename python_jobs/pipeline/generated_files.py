"""The one command line of the catalogues that generate files (metrics_catalog, indicators_catalog,
profile_catalog): print the generated files, or write them with --write."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def main(prog: str, description: str, outputs: Callable[[], dict[Path, str]], argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the generated files (default: print them)")
    args = parser.parse_args(argv)
    for path, text in outputs().items():
        if args.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        else:
            sys.stdout.write(text)
    return 0
