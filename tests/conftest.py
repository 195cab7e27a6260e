"""Shared fixtures: a profiles dir from profiles.example.yml, a DuckDB file, a real MariaDB and Spark.
Helpers that tests import (engines_param, query, ...) are in helpers.py: a conftest is not a module to import.

The MariaDB is the one MARIADB_HOST/MARIADB_PORT/... point at, or else a throwaway mariadbd
started for the session (temporary datadir, free port) and removed afterwards.

Spark runs in this process (pyspark, local[2]): its session and JVM, started by the first test that
needs it, serve every later dbt command and query of the run (starting one costs 10-40 s). Its
settings are fixed when it starts, so they are the same for the whole run (spark_env); each test
gets its own schema.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.mariadb_server import configured_server_env, throwaway_mariadb
from pipeline.project import PROJECT_ROOT
from pipeline.warehouse import load_target


@pytest.fixture(scope="session")
def profiles_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("profiles")
    shutil.copy(PROJECT_ROOT / "profiles.example.yml", folder / "profiles.yml")
    return folder


@pytest.fixture(scope="session")
def mariadb_env() -> Iterator[dict[str, str]]:
    configured = configured_server_env()
    if configured:
        yield configured
        return
    with throwaway_mariadb(buffer_pool="512M") as server:
        yield server.env()


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "spark: runs on Spark in this process (pyspark, local mode; needs Java)")


def pytest_collection_modifyitems(items) -> None:
    """The longest tests first (Spark's, then MariaDB's and the ones marked slow), each group in its
    collection order: pytest-xdist hands tests out in this order, so the long ones no longer end the
    run on one worker while the others sit idle."""
    def weight(item) -> int:
        if item.get_closest_marker("spark"):
            return 0
        return 1 if item.get_closest_marker("mariadb") or item.get_closest_marker("slow") else 2

    items.sort(key=weight)


@pytest.fixture(scope="session")
def spark_env(tmp_path_factory) -> dict[str, str]:
    """The settings profiles.example.yml's spark target reads, the same for every test of the run.

    The in-memory catalog keeps the tables as long as the session, that is the whole run, and
    needs no Derby metastore (which only one process may open, and which is slower to start).
    The JVM compiles with C1 only: the tests run many different small queries once each, and the
    optimizing compiler's warm-up on 2 cores cost more than it gave back (docs/scale.md). Its code
    cache is 512 MB: with C1 only the default is 48 MB, and one JVM serves every Spark test of a
    pytest worker, whose hundreds of distinct queries filled it in one CI run ("Out of space in
    CodeCache for method handle intrinsic": the JVM gone, every later Spark test of the worker failed).
    """
    return {
        "SPARK_WAREHOUSE_DIR": str(tmp_path_factory.mktemp("spark")),
        "SPARK_CATALOG": "in-memory",
        "SPARK_MASTER": "local[2]",
        "SPARK_DRIVER_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ReservedCodeCacheSize=512m",
        "PYSPARK_PYTHON": sys.executable,
    }


@pytest.fixture
def warehouse(request, tmp_path, profiles_dir, monkeypatch):
    """A fresh, empty warehouse on the engine named by the test's `engine` parameter.

    Sets the environment so profiles.example.yml's target points at it, and returns the Target.
    """
    engine = request.param if hasattr(request, "param") else "duckdb"
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    if engine == "duckdb":
        monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    elif engine == "spark":
        for key, value in request.getfixturevalue("spark_env").items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("SPARK_SCHEMA", f"t_{uuid.uuid4().hex[:10]}")
    else:
        env = request.getfixturevalue("mariadb_env")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("MARIADB_DATABASE", f"t_{uuid.uuid4().hex[:10]}")
    target = load_target(engine)
    yield target
    if engine == "spark":
        from pipeline.warehouse import connect, quote_ident

        connect(target).sql(f"drop database if exists {quote_ident(target, target.schema)} cascade")
    elif engine != "duckdb":
        from pipeline.warehouse import connect, quote_ident

        con = connect(target)
        with con.cursor() as cur:
            cur.execute(f"drop database if exists {quote_ident(target, target.schema)}")
        con.commit()
        con.close()


os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


@pytest.fixture(scope="session", autouse=True)
def dbt_folders_per_worker(tmp_path_factory) -> None:
    """`make pytest` runs three pytest-xdist workers: each gets its own dbt target and log folders,
    which dbt (its partial-parse file, its log) would otherwise write from several processes at once.
    Tests that pass their own folders are unaffected; the jobs they start inherit these."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = tmp_path_factory.mktemp("dbt")
        os.environ.setdefault("DBT_TARGET_PATH", str(root / "target"))
        os.environ.setdefault("DBT_LOG_PATH", str(root / "logs"))
