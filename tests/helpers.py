"""Small helpers shared by the tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

from pathlib import Path

GOOD_KRAKEN = (
    "1700000040,1.0,1.2,0.9,1.1,10.5,3\n"
    "1700000100,1.1,1.3,1.0,1.2,0,0\n"
    "1700000160,1.2,1.25,1.15,1.2,7.25,2\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
