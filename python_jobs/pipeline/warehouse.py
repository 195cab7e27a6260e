"""One connection helper for every Python job: the dbt profile and target, as dbt resolves them.

The profile is found where dbt 1.7 looks (`--profiles-dir`, then `DBT_PROFILES_DIR`, then the
current folder, then `~/.dbt`), with this project's folder searched after the current one.
`env_var()` and the `as_number`/`as_bool`/`as_text`/`as_native` filters render as in dbt.
"""

from __future__ import annotations

import ast
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined
from jinja2.nativetypes import NativeEnvironment

from .errors import JobFailed, UsageError
from .project import PROJECT_ROOT, profile_name

log = logging.getLogger(__name__)

SUPPORTED_TYPES = ("duckdb", "mysql", "mariadb")


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

    @property
    def is_mysql_family(self) -> bool:
        return self.type in ("mysql", "mariadb")

    def relation(self, identifier: str, schema: str | None = None) -> str:
        """A quoted, schema-qualified relation name for this engine."""
        return f"{quote_ident(self, schema or self.schema)}.{quote_ident(self, identifier)}"


def quote_ident(target: Target, name: str) -> str:
    if target.is_mysql_family:
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
    """
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


def param(target: Target) -> str:
    """The DB-API placeholder of the target's driver."""
    return "?" if target.type == "duckdb" else "%s"


def relation_exists(target: Target, identifier: str, schema: str | None = None) -> bool:
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


def replace_rows(target: Target, *, ddl: str, deletes: list[tuple[str, tuple]], insert: str,
                 rows: list[tuple]) -> None:
    """Create a table if missing, then delete and insert rows in one transaction (all or nothing).

    On MySQL/MariaDB the DDL commits implicitly, so it runs before the data transaction.
    """
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
