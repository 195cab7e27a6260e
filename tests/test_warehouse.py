"""Profile resolution: the Python jobs see exactly the target dbt would use."""

from __future__ import annotations

import pytest

from pipeline.errors import UsageError
from pipeline.project import PROJECT_ROOT
from pipeline.warehouse import load_target, render


def test_env_vars_and_filters_render_like_dbt(profiles_dir, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    monkeypatch.setenv("MARIADB_PORT", "3307")
    monkeypatch.setenv("MARIADB_PASSWORD", "s3cret")
    monkeypatch.delenv("MARIADB_HOST", raising=False)
    target = load_target("mariadb")
    assert (target.type, target.host, target.port, target.password, target.schema) == (
        "mariadb", "127.0.0.1", 3307, "s3cret", "crypto")
    assert "s3cret" not in repr(target)


def test_default_target_and_relative_duckdb_path(profiles_dir, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    monkeypatch.delenv("DBT_TARGET", raising=False)
    monkeypatch.delenv("DUCKDB_PATH", raising=False)
    target = load_target()
    assert target.type == "duckdb" and target.path == PROJECT_ROOT / "data" / "warehouse.duckdb"
    monkeypatch.setenv("DBT_TARGET", "mysql")
    assert load_target().type == "mysql"


def test_unknown_target_and_missing_env_var(profiles_dir, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    with pytest.raises(UsageError, match="has no such target"):
        load_target("nosuch")
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    with pytest.raises(UsageError, match="NOT_SET_ANYWHERE is not set"):
        render("{{ env_var('NOT_SET_ANYWHERE') }}")
    assert render({"a": ["{{ '7' | as_number }}", "{{ 'true' | as_bool }}"]}) == {"a": [7, True]}


def test_missing_profiles_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path))
    with pytest.raises(UsageError, match=r"no profiles\.yml found"):
        load_target()
