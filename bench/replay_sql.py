"""The SQL of one dbt command, replayed on DuckDB without dbt: what the command's statements cost alone.

`python -m bench.replay_sql --duckdb FILE --built FILE --log DBT_LOG --manifest MANIFEST` reads every
statement the last command in dbt's debug log ran for its models (dbt logs each one, hooks included, as
`On model.<id>: <sql>`), and runs them on --duckdb, a copy of the warehouse as it was before that command.
It runs them as dbt did: one cursor per dbt thread (the log's `Concurrency: N threads`), each model once all
the models it depends on (the manifest's) are done, in the order dbt started them. It prints one JSON line:
the wall seconds, the CPU seconds (user + sys) and peak resident memory of the replay, and the rows of each
model's table, checked against --built, the warehouse dbt built. The difference to the dbt command's own
time is dbt's: its start and its work per model (rendering, the adapter, the log). docs/indicators.md,
"Time", sets the target against it.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import resource
import sys
import threading
import time
from pathlib import Path

from bench.peak import peak_resident_mb

log = logging.getLogger("bench.replay_sql")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d+ \[\s*\w+\s*\] \[[^\]]*\]: (.*)$")
STATEMENT = re.compile(r"^On (model\.[\w.]+): (?:/\*.*?\*/\s*)?(.*)$", re.S)
CONCURRENCY = re.compile(r"^Concurrency: (\d+) threads")
NOT_SQL = {"Close"}  # dbt logs the connection's close the same way


def statements_of_last_command(log_text: str) -> tuple[dict[str, list[str]], int]:
    """Model id -> its statements in order, in the order dbt started the models, and dbt's thread count."""
    lines = ANSI.sub("", log_text).split("\n")
    starts = [k for k, line in enumerate(lines) if "Running with dbt=" in line]
    if not starts:
        raise ValueError("no dbt command in the log")
    nodes: dict[str, list[str]] = {}
    threads, current, node = 1, None, None

    def flush() -> None:
        if current is not None and "\n".join(current).strip() not in NOT_SQL:
            nodes.setdefault(node, []).append("\n".join(current).strip())

    for line in lines[starts[-1]:]:
        matched = LOG_LINE.match(line)
        if not matched:
            if current is not None:
                current.append(line)
            continue
        flush()
        current = None
        message = matched.group(1)
        if concurrency := CONCURRENCY.match(message):
            threads = int(concurrency.group(1))
        if statement := STATEMENT.match(message):
            node, current = statement.group(1), [statement.group(2)]
    flush()
    return nodes, threads


def replay(con, nodes: dict[str, list[str]], parents: dict[str, set[str]], threads: int) -> None:
    """Each model's statements on a cursor of its own thread, a model once its parents are done."""
    done: set[str] = set()
    pending = list(nodes)
    ready = threading.Condition()
    failures: list[BaseException] = []

    def worker() -> None:
        cursor = con.cursor()
        while True:
            with ready:
                while not failures and pending and not any(parents[n] <= done for n in pending):
                    ready.wait()
                if failures or not pending:
                    return
                node = next(n for n in pending if parents[n] <= done)
                pending.remove(node)
            try:
                for sql in nodes[node]:
                    try:
                        cursor.execute(sql)
                    except Exception as error:  # dbt's own COMMIT after a hook's is a no-op there too
                        if "no transaction is active" not in str(error):
                            raise RuntimeError(f"{node}: {error}\n{sql[:500]}") from error
            except BaseException as error:
                with ready:
                    failures.append(error)
                    ready.notify_all()
                return
            with ready:
                done.add(node)
                ready.notify_all()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    if failures:
        raise failures[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_sql", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duckdb", required=True, type=Path, help="a copy of the warehouse before the command")
    parser.add_argument("--built", required=True, type=Path, help="the warehouse the dbt command built")
    parser.add_argument("--log", required=True, type=Path, help="dbt's debug log (logs/dbt.log) of the command")
    parser.add_argument("--manifest", required=True, type=Path, help="the command's target/manifest.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    import duckdb

    for flag, path in (("--duckdb", args.duckdb), ("--built", args.built), ("--log", args.log),
                       ("--manifest", args.manifest)):
        if not path.is_file():
            parser.error(f"{flag} {path}: no such file")
    # dbt rotates its log at 10 MB (dbt.log.1 is the one before): the command may begin in a rotated one
    rotated = [args.log.with_name(f"{args.log.name}.{k}") for k in range(5, 0, -1)]
    text = "".join(path.read_text() for path in [*rotated, args.log] if path.exists())
    try:
        nodes, threads = statements_of_last_command(text)
    except ValueError as error:
        parser.error(f"--log {args.log}: {error}")
    manifest = json.loads(args.manifest.read_text())["nodes"]
    parents = {n: set(manifest[n]["depends_on"]["nodes"]) & set(nodes) for n in nodes}
    log.info("%d models, %d statements, %d threads", len(nodes), sum(map(len, nodes.values())), threads)
    con = duckdb.connect(str(args.duckdb))
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    replay(con, nodes, parents, threads)
    con.close()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    rows = {}
    with duckdb.connect(str(args.duckdb), read_only=True) as replayed, \
            duckdb.connect(str(args.built), read_only=True) as built:
        for node in nodes:
            name = manifest[node]["alias"]
            kind = built.execute("select table_type from information_schema.tables where table_name = ?",
                                 [name]).fetchone()
            if kind is None or kind[0] != "BASE TABLE":
                continue
            count = replayed.execute(f'select count(*) from "{name}"').fetchone()[0]
            expected = built.execute(f'select count(*) from "{name}"').fetchone()[0]
            if count != expected:
                raise SystemExit(f"the replay's {name} has {count} rows where dbt's has {expected}")
            rows[name] = count
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "threads": threads, "rows": rows,
                      "peak_mb": peak_resident_mb()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
