"""One connection helper for every Python job: the dbt profile and target, as dbt resolves them.

The profile is found where dbt 1.7 looks (`--profiles-dir`, then `DBT_PROFILES_DIR`, then the
current folder, then `~/.dbt`), with this project's folder searched after the current one.
`env_var()` and the `as_number`/`as_bool`/`as_text`/`as_native` filters render as in dbt.

On Spark (`type: spark`, `method: session`) a "connection" is the process's SparkSession, built
from the target's `server_side_parameters` as dbt-spark builds it: in one process, dbt and the
Python code share it (and its JVM), and it is never stopped here.
"""

from __future__ import annotations

import ast
import logging
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined
from jinja2.nativetypes import NativeEnvironment

from .errors import JobFailed, UsageError
from .project import PROJECT_ROOT, profile_name

log = logging.getLogger(__name__)

SUPPORTED_TYPES = ("duckdb", "mysql", "mariadb", "spark")


@dataclass(frozen=True)
class Target:
    """A resolved dbt target: enough to open a DB-API connection to the same warehouse."""

    name: str
    type: str
    schema: str
    path: Path | None = None
    host: str | None = None
    port: int = 3306
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    unix_socket: str | None = None
    # Spark: dbt-spark's connection method and the session's settings (server_side_parameters)
    method: str | None = None
    spark_conf: tuple[tuple[str, str], ...] = ()

    @property
    def is_mysql_family(self) -> bool:
        return self.type in ("mysql", "mariadb")

    @property
    def is_spark(self) -> bool:
        return self.type == "spark"

    def relation(self, identifier: str, schema: str | None = None) -> str:
        """A quoted, schema-qualified relation name for this engine."""
        return f"{quote_ident(self, schema or self.schema)}.{quote_ident(self, identifier)}"


def quote_ident(target: Target, name: str) -> str:
    if target.is_mysql_family or target.is_spark:
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def _env_var(name: str, default: Any = None) -> Any:
    if name in os.environ:
        return os.environ[name]
    if default is not None:
        return default
    raise UsageError(f"profiles.yml: environment variable {name} is not set and has no default")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _as_number(value: Any) -> int | float:
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return float(text)


def _as_native(value: Any) -> Any:
    try:
        return ast.literal_eval(str(value))
    except (ValueError, SyntaxError):
        return value


_ENV = NativeEnvironment(undefined=StrictUndefined)
_ENV.globals["env_var"] = _env_var
_ENV.filters.update(as_bool=_as_bool, as_number=_as_number, as_text=str, as_native=_as_native)


def render(value: Any) -> Any:
    """Render every string in a (nested) profile entry the way dbt does."""
    if isinstance(value, dict):
        return {key: render(item) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item) for item in value]
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        return _ENV.from_string(value).render()
    return value


def find_profiles_dir(profiles_dir: str | Path | None = None) -> Path:
    """The folder holding profiles.yml, searched in dbt's order."""
    candidates: list[Path] = []
    if profiles_dir:
        candidates.append(Path(profiles_dir))
    elif os.environ.get("DBT_PROFILES_DIR"):
        candidates.append(Path(os.environ["DBT_PROFILES_DIR"]))
    else:
        candidates += [Path.cwd(), PROJECT_ROOT, Path.home() / ".dbt"]
    for candidate in candidates:
        if (candidate / "profiles.yml").is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise UsageError(
        f"no profiles.yml found (searched {searched}); run `make profiles.yml` or copy "
        "profiles.example.yml"
    )


def load_target(target: str | None = None, profiles_dir: str | Path | None = None) -> Target:
    """Resolve `target` (default: the profile's own default) of this project's profile."""
    folder = find_profiles_dir(profiles_dir)
    with open(folder / "profiles.yml", encoding="utf-8") as handle:
        profiles = yaml.safe_load(handle) or {}
    name = profile_name()
    if name not in profiles:
        raise UsageError(f"{folder / 'profiles.yml'} has no profile named {name!r}")
    profile = profiles[name]
    chosen = target or render(profile.get("target")) or "default"
    outputs = profile.get("outputs") or {}
    if chosen not in outputs:
        known = ", ".join(sorted(outputs)) or "none"
        raise UsageError(f"--target {chosen}: profile {name!r} has no such target (known: {known})")
    spec = render(outputs[chosen])
    kind = str(spec.get("type", ""))
    if kind not in SUPPORTED_TYPES:
        raise UsageError(f"target {chosen!r} has type {kind!r}; supported: {', '.join(SUPPORTED_TYPES)}")
    if kind == "duckdb":
        path = Path(str(spec.get("path", ":memory:")))
        if str(path) != ":memory:" and not path.is_absolute():
            path = PROJECT_ROOT / path
        return Target(name=chosen, type=kind, schema=str(spec.get("schema", "main")), path=path)
    if kind == "spark":
        conf = {str(k): str(v) for k, v in (spec.get("server_side_parameters") or {}).items()}
        return Target(name=chosen, type=kind, schema=str(spec.get("schema") or ""), host=spec.get("host"),
                      port=int(spec.get("port") or 443), user=spec.get("user"), method=str(spec.get("method", "")),
                      spark_conf=tuple(sorted(conf.items())))
    return Target(
        name=chosen,
        type=kind,
        schema=str(spec.get("schema") or spec.get("database") or ""),
        host=spec.get("server") or spec.get("host"),
        port=int(spec.get("port") or 3306),
        user=spec.get("username") or spec.get("user") or spec.get("UID"),
        password=spec.get("password") or spec.get("PWD") or "",
        unix_socket=spec.get("unix_socket"),
    )


def connect(target: Target, *, create_schema: bool = False):
    """A DB-API connection to the target's warehouse (autocommit off on MySQL/MariaDB).

    With `create_schema`, a missing schema (a database on MySQL) is created first, as utf8mb4.
    On Spark: the SparkSession (see spark_session).
    """
    if target.is_spark:
        session = spark_session(target)
        if create_schema:
            session.sql(f"create database if not exists {quote_ident(target, target.schema)}")
        return session
    if target.type == "duckdb":
        import duckdb

        if target.path and str(target.path) != ":memory:":
            target.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(target.path))
        except duckdb.IOException as exc:
            raise JobFailed(f"cannot open DuckDB warehouse {target.path}: {exc}") from exc
        if create_schema:
            con.execute(f"create schema if not exists {quote_ident(target, target.schema)}")
        return con

    import pymysql

    kwargs: dict[str, Any] = dict(
        user=target.user,
        password=target.password or "",
        charset="utf8mb4",
        autocommit=False,
        local_infile=True,
        init_command="set time_zone = '+00:00'",
    )
    if target.unix_socket and not target.host:
        kwargs["unix_socket"] = target.unix_socket
    else:
        kwargs.update(host=target.host or "127.0.0.1", port=target.port)
    try:
        con = pymysql.connect(**kwargs)
    except pymysql.err.OperationalError as exc:
        where = target.unix_socket or f"{target.host}:{target.port}"
        raise JobFailed(f"cannot connect to {target.type} at {where} as {target.user}: {exc.args[-1]}") from exc
    if create_schema:
        with con.cursor() as cur:
            cur.execute(
                f"create database if not exists {quote_ident(target, target.schema)} "
                "character set utf8mb4 collate utf8mb4_bin"
            )
        con.commit()
    return con


def spark_conf(target: Target) -> dict[str, str]:
    """The target's Spark settings, with relative folders made absolute (relative to the project,
    as dbt reads them when run from there), UTC and the executors' Python filled in when unset."""
    conf = dict(target.spark_conf)
    conf.setdefault("spark.sql.session.timeZone", "UTC")
    warehouse = conf.get("spark.sql.warehouse.dir")
    if warehouse and "://" not in warehouse and not warehouse.startswith("/"):
        conf["spark.sql.warehouse.dir"] = str(PROJECT_ROOT / warehouse)
    options = conf.get("spark.driver.extraJavaOptions")
    if options:
        conf["spark.driver.extraJavaOptions"] = re.sub(
            r"(-Dderby\.system\.home=)(?!/)(\S+)", lambda m: m.group(1) + str(PROJECT_ROOT / m.group(2)), options)
    python = conf.get("spark.pyspark.python") or os.environ.get("PYSPARK_PYTHON") or sys.executable
    if "/" in python and not python.startswith("/"):
        python = str(PROJECT_ROOT / python)
    conf["spark.pyspark.python"] = python
    return conf


def spark_session(target: Target):
    """The process's SparkSession for a `method: session` target, started with its settings if none runs.

    getOrCreate() returns a running session as it is (its JVM, warehouse and metastore were fixed
    when it started), so dbt commands and Python code in one process use one session.
    """
    if target.method != "session":
        raise UsageError(f"target {target.name!r} uses Spark method {target.method!r}; the Python jobs need "
                         "`method: session` (set SPARK_MASTER to run that session on a cluster)")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UsageError("target type spark needs pyspark: pip install -r requirements.txt") from exc
    global _SPARK_SESSION
    logging.getLogger("py4j").setLevel(logging.WARNING)  # its INFO lines are one per socket it reopens
    if _quiet_py4j_retries not in logging.getLogger().filters:
        logging.getLogger().addFilter(_quiet_py4j_retries)
    if _SPARK_SESSION is not None and _SPARK_SESSION._jsc is not None:  # not stopped
        return _SPARK_SESSION
    # dbt-spark's session builder enables Hive support before applying the settings; so does this one
    builder = SparkSession.builder.enableHiveSupport()
    conf = spark_conf(target)
    for key, value in conf.items():
        builder = builder.config(key, value)
    # pyspark's SparkContext starts the executors' Python from PYSPARK_PYTHON alone (python3 from PATH when
    # unset), not from spark.pyspark.python: without this, cluster.py's members would run outside the venv
    os.environ["PYSPARK_PYTHON"] = conf["spark.pyspark.python"]
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # no Java, a metastore another process holds: one line, exit 1
        raise JobFailed(f"cannot start Spark for target {target.name!r}: {str(exc).splitlines()[0]}") from exc
    session.conf.set("spark.sql.session.timeZone", "UTC")
    # a job reports a failure in one line; Spark's own log (task stack traces) only with --verbose
    session.sparkContext.setLogLevel("WARN" if log.isEnabledFor(logging.DEBUG) else "OFF")
    _SPARK_SESSION = session
    return session


_SPARK_SESSION = None  # the session spark_session returned: asking the builder again logs a warning


def _quiet_py4j_retries(record: logging.LogRecord) -> bool:
    """False for py4j's own INFO records on the root logger: when the JVM has closed a pooled
    connection (after a failed Spark job), py4j logs the retry, traceback and all, with logging.info."""
    return not (record.levelno < logging.WARNING and f"{os.sep}py4j{os.sep}" in record.pathname)


def param(target: Target) -> str:
    """The DB-API placeholder of the target's driver (Spark 3.5: positional parameter markers)."""
    return "?" if target.type in ("duckdb", "spark") else "%s"


def relation_exists(target: Target, identifier: str, schema: str | None = None) -> bool:
    if target.is_spark:  # Spark 3.5 has no information_schema
        return bool(spark_session(target).catalog.tableExists(target.relation(identifier, schema)))
    sql = ("select count(*) from information_schema.tables where table_schema = {p} and table_name = {p}"
           .format(p=param(target)))
    _, rows = read_rows(target, sql, (schema or target.schema, identifier))
    return rows[0][0] > 0


def read_rows(target: Target, sql: str, params: tuple | list = ()) -> tuple[list[str], list[tuple]]:
    """Column names and every row of one query (a fresh connection)."""
    columns: list[str] = []
    rows: list[tuple] = []
    for names, batch in stream_rows(target, sql, params):
        columns = names
        rows += batch
    return columns, rows


def stream_rows(target: Target, sql: str, params: tuple | list = (), batch_size: int = 50_000
                ) -> Iterator[tuple[list[str], list[tuple]]]:
    """(column names, a batch of rows) for one query, without holding the whole result."""
    if target.is_spark:
        yield from _stream_spark_rows(target, sql, params, batch_size)
        return
    con = connect(target)
    try:
        if target.type == "duckdb":
            cur = con.execute(sql, list(params))
        else:
            import pymysql.cursors

            cur = con.cursor(pymysql.cursors.SSCursor)
            cur.execute(sql, tuple(params) or None)
        columns = [d[0] for d in cur.description]
        yielded = False
        while True:
            batch = [tuple(r) for r in cur.fetchmany(batch_size)]
            if not batch:
                break
            yielded = True
            yield columns, batch
        if not yielded:
            yield columns, []
    finally:
        con.close()


def _stream_spark_rows(target: Target, sql: str, params: tuple | list, batch_size: int
                       ) -> Iterator[tuple[list[str], list[tuple]]]:
    """stream_rows on Spark. Timestamps come back as naive UTC datetimes, as from DuckDB and MySQL:
    pyspark turns a TIMESTAMP into the Python process's local time, so they are read as TIMESTAMP_NTZ."""
    from pyspark.sql.types import TimestampType

    # pyspark reads a naive datetime parameter in the Python process's local zone; they are UTC here
    args = [p.replace(tzinfo=UTC) if isinstance(p, datetime) and p.tzinfo is None else p for p in params]
    frame = spark_session(target).sql(sql, args=args or None)
    frame = frame.select([frame[f"`{f.name}`"].cast("timestamp_ntz").alias(f.name)
                          if isinstance(f.dataType, TimestampType) else frame[f"`{f.name}`"]
                          for f in frame.schema.fields])
    columns = list(frame.columns)
    batch: list[tuple] = []
    yielded = False
    for row in frame.toLocalIterator():
        batch.append(tuple(row))
        if len(batch) >= batch_size:
            yielded = True
            yield columns, batch
            batch = []
    if batch or not yielded:
        yield columns, batch


def replace_rows(target: Target, *, ddl: str, deletes: list[tuple[str, tuple]], insert: str,
                 rows: list[tuple]) -> None:
    """Create a table if missing, then delete and insert rows in one transaction (all or nothing).

    On MySQL/MariaDB the DDL commits implicitly, so it runs before the data transaction.
    """
    if target.is_spark:
        raise UsageError(f"target {target.name!r}: writing rows to Spark from this job is not supported yet")
    con = connect(target, create_schema=True)
    try:
        if target.is_mysql_family:
            with con.cursor() as cur:
                cur.execute(ddl)
                con.commit()
                for sql, params in deletes:
                    cur.execute(sql, params)
                if rows:
                    cur.executemany(insert, rows)
            con.commit()
        else:
            con.execute("begin")
            con.execute(ddl)
            for sql, params in deletes:
                con.execute(sql, list(params))
            if rows:
                con.executemany(insert, rows)
            con.execute("commit")
    except Exception as exc:
        con.rollback()
        raise JobFailed(f"writing {insert.split()[2]} failed, nothing was changed: {exc}") from exc
    finally:
        con.close()
