"""Lint the SQL of the project's macros with sqlfluff, and hold every macro line to 120 characters.

sqlfluff lints what a file renders to, and a file of `{% macro %}` definitions renders to nothing.
So each macro whose body is a whole statement (select, with, delete, insert, update, create) is
copied out on its own, at the same line and column, and linted with the project's .sqlfluff
(stand-ins from lint/sqlfluff_library; a macro argument renders as its own name, or as nothing when
its default is the empty string: an optional clause, or as ARGUMENT_STAND_INS says). Findings name
the macro file's own lines.
Bodies that are expression fragments (casts, predicates) or Jinja only are not SQL sqlfluff can
parse: the 120-character rule still covers their lines.

Files listed in lint/macro_lint_pending.txt (with the reason) are linted and their sqlfluff findings
shown, but do not fail the run; a listed file that has become clean does, so the list only shrinks.
Lines over 120 characters fail the run in every file, listed or not.

Usage: python lint/lint_macros.py [PATH ...]   (default: macros/)
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINE = 120
LONG_LINE = "line is"
PENDING = ROOT / "lint" / "macro_lint_pending.txt"
BLOCK = re.compile(r"\{%-?\s*(?:macro|test)\s+\w+\s*\((?P<args>.*?)\)\s*-?%\}(?P<body>.*?)"
                   r"\{%-?\s*end(?:macro|test)\s*-?%\}", re.S)
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}", re.S)
STATEMENT = re.compile(r"(select|with|delete|insert|update|create)\b", re.I)
# an argument and its default, if any; one defaulting to the empty string is an optional clause
EMPTY = ("''", '""')
# arguments that are not a name: what they render as instead (the indicator steps' table of step tables)
ARGUMENT_STAND_INS = {"stage": "data_pipeline.indicators_stage_tables()"}
ARG = re.compile(r"(?:^|,)\s*(\w+)\s*(?:=\s*(\[.*?\]|\(.*?\)|\{.*?\}|'[^']*'|\"[^\"]*\"|[^,]+))?")
# .sqlfluff's exclusions, and its line length: the argument line is longer than any code line,
# and long_lines() holds the macro file's own lines to MAX_LINE
EXCLUDE_RULES = ("ambiguous.column_count,structure.column_order,references.keywords,aliasing.unique.column,"
                 "layout.long_lines")

log = logging.getLogger("lint_macros")


def statement_bodies(text: str) -> list[tuple[str, list[tuple[str, str]], int]]:
    """(body, arguments (name, default or ''), line of the body's first line) of each macro or test that is
    one statement."""
    found = []
    for match in BLOCK.finditer(text):
        body = match.group("body")
        if not STATEMENT.match(JINJA.sub("", body).strip()):
            continue
        lead = len(body) - len(body.lstrip("\n "))
        first_line = text[:match.start("body") + lead].count("\n") + 1
        found.append((body, ARG.findall(match.group("args")), first_line))
    return found


def standalone(body: str, args: list[tuple[str, str]]) -> str:
    """The body as a file of its own: dedented, each argument set to its own name (dbt passes columns
    and relations), or to nothing when it defaults to the empty string, on a first line of its own that
    renders to nothing."""
    lines = body.strip("\n ").split("\n")
    rest = [line for line in lines[1:] if line.strip()]
    indent = min((len(line) - len(line.lstrip(" ")) for line in rest), default=0)
    # the first line sets the arguments and renders to nothing (its -%} eats the newline)
    settings = "".join("{% set " + a + " = " + stand_in(a, default) + " %}" for a, default in args)
    settings += "{% set _ = '' -%}"
    return "\n".join([settings, lines[0].lstrip(" ")] + [line[indent:] for line in lines[1:]]) + "\n"


def stand_in(argument: str, default: str) -> str:
    if argument in ARGUMENT_STAND_INS:
        return ARGUMENT_STAND_INS[argument]
    return "'" + ("" if default in EMPTY else argument) + "'"


def long_lines(path: Path, text: str) -> list[str]:
    return [f"{path}:{n}: {LONG_LINE} {len(line)} characters (at most {MAX_LINE})"
            for n, line in enumerate(text.splitlines(), 1) if len(line) > MAX_LINE]


def pending() -> list[str]:
    """The files (or folders, ending in /) whose findings are known and do not fail the run yet."""
    entries = [line.split("#", 1)[0].strip() for line in PENDING.read_text().splitlines()]
    return [entry for entry in entries if entry]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["macros"])
    parser.add_argument("-v", "--verbose", action="store_true", help="show the pending files' findings too")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = sorted({f for p in args.paths for f in ([Path(p)] if p.endswith(".sql") else Path(p).rglob("*.sql"))})
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lint_macros_") as scratch:
        copies: dict[str, tuple[Path, int]] = {}
        for path in files:
            text = path.read_text()
            problems += long_lines(path, text)
            for n, (body, macro_args, first_line) in enumerate(statement_bodies(text)):
                copy = Path(scratch) / f"{path.stem}__{n}.sql"
                copy.write_text(standalone(body, macro_args))
                copies[str(copy)] = (path, first_line - 2)
        if copies:
            run = subprocess.run([sys.executable, "-m", "sqlfluff", "lint", "--config", str(ROOT / ".sqlfluff"),
                                  "--format", "json", "--nofail", "--processes", "2",
                                  "--exclude-rules", EXCLUDE_RULES, *copies],
                                 capture_output=True, text=True, cwd=ROOT)
            try:
                results = json.loads(run.stdout)
            except json.JSONDecodeError:
                results = []
                problems.append(f"sqlfluff failed: {(run.stderr or run.stdout).strip()[-500:]}")
            for result in results:
                path, offset = copies[result["filepath"]]
                for v in result["violations"]:
                    problems.append(f"{path}:{v['start_line_no'] + offset}:{v['start_line_pos']}: {v['code']} "
                                    f"{v['description']}")
    waived = pending()

    def is_pending(line: str) -> bool:
        # the 120-character rule holds everywhere: only sqlfluff's findings wait in the list
        if LONG_LINE in line:
            return False
        return any(line.startswith(entry if entry.endswith("/") else entry + ":") for entry in waived)

    failing = [line for line in problems if not is_pending(line)]
    for line in problems:
        if args.verbose or not is_pending(line):
            log.info("%s%s", "pending: " if is_pending(line) else "", line)
    linted = {str(f) for f in files}
    for entry in waived:
        if not entry.endswith("/") and entry in linted and not any(line.startswith(entry + ":") for line in problems):
            failing.append(entry)
            log.info("%s: clean now, remove it from %s", entry, PENDING.relative_to(ROOT))
    log.info("%d macro file(s), %d statement(s) linted, %d finding(s), %d failing (%d pending in %s; -v shows them)",
             len(files), len(copies), len(problems), len(failing), sum(map(is_pending, problems)),
             PENDING.relative_to(ROOT))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
