"""`dbt docs generate` on DuckDB and a real MariaDB, after a small `dbt run`.

Proves: the docs (manifest, catalog, index.html) are generated on both engines; every model is in
the catalog, so its relation was found; every model and every column the warehouse holds is
described in the YAML, and the YAML describes no column the relation lacks; every model declares
its grain with a test; models/marts/exposures.yml names the Python jobs and the BI dashboards.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from helpers import engines_param
from pipeline import dbt_runner
from pipeline.bars import validate_frame
from pipeline.loader import load_batches
from pipeline.synthetic import generate

# a uniqueness test on the key columns, or exactly one row
GRAIN_TESTS = {"unique_combination_of_columns", "unique", "row_count"}
EXPOSURES = {"leaderboards_report", "cycle_clusters", "cohort_history_export", "bi_dashboards", "bi_candle_charts"}


def documentation_gaps(manifest: dict, catalog: dict) -> list[str]:
    """Every model, column and grain the docs leave out, one line each (empty when complete)."""
    gaps = []
    models = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    for uid, node in sorted(models.items()):
        name = node["name"]
        if not node["description"].strip():
            gaps.append(f"{name}: no description")
        if uid not in catalog["nodes"]:
            gaps.append(f"{name}: not in the catalog (relation not found)")
            continue
        built = {column.lower() for column in catalog["nodes"][uid]["columns"]}
        documented = {column.lower(): spec for column, spec in node["columns"].items()}
        gaps += [f"{name}.{column}: not in the YAML" for column in sorted(built - documented.keys())]
        gaps += [f"{name}.{column}: in the YAML, not in the relation" for column in sorted(documented.keys() - built)]
        gaps += [f"{name}.{column}: no description" for column, spec in sorted(documented.items())
                 if not spec["description"].strip()]
        grains = [test for test in tests if test.get("attached_node") == uid
                  and (test.get("test_metadata") or {}).get("name") in GRAIN_TESTS]
        if not any(test["test_metadata"]["name"] != "row_count" or test["test_metadata"]["kwargs"].get("expected") == 1
                   for test in grains):
            gaps.append(f"{name}: no grain test ({', '.join(sorted(GRAIN_TESTS))})")
    return gaps


@engines_param()
def test_dbt_docs_generate_describes_every_model_and_column(warehouse, profiles_dir, tmp_path):
    bars = generate(2, 2, end=datetime.now(UTC), seed=3)
    load_batches(warehouse, [validate_frame(spec.symbol, frame) for spec, frame in bars])
    common = {"target": warehouse.name, "profiles_dir": profiles_dir, "target_path": tmp_path / "target",
              "log_path": tmp_path / "logs"}
    dbt_runner.invoke(["run"], **common)
    result = dbt_runner.invoke(["docs", "generate"], **common, check=False)
    assert result.success, dbt_runner.describe_failures(result)

    target: Path = tmp_path / "target"
    assert (target / "index.html").stat().st_size > 0
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    assert not catalog.get("errors"), catalog["errors"]
    assert documentation_gaps(manifest, catalog) == []

    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert set(exposures) == EXPOSURES
    for name, exposure in exposures.items():
        assert exposure["depends_on"]["nodes"], f"exposure {name} depends on nothing"
        assert exposure["description"].strip(), f"exposure {name} has no description"


def test_the_users_selectors_select_their_area(profiles_dir, monkeypatch, tmp_path):
    """The layer folders keep the commands users run: `--select leaderboards` (the cron line) is
    every model under intermediate/leaderboards and marts/leaderboards, `+leaderboards` adds the
    staging they read, `metrics` and `ohlc_metrics_daily` the daily metrics (`dbt ls`, no database)."""
    from pipeline.project import PROJECT_ROOT

    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "unused.duckdb"))

    def selected(selector: str) -> set[str]:
        result = dbt_runner.invoke(["ls", "--resource-type", "model", "--output", "name", "--select", selector,
                                    "--quiet"], target_path=tmp_path / "target", log_path=tmp_path / "logs")
        return set(result.result)

    models = PROJECT_ROOT / "models"
    area = {p.stem for layer in ("intermediate", "marts") for p in (models / layer / "leaderboards").rglob("*.sql")}
    assert len(area) >= 14
    assert selected("leaderboards") == area == selected("tag:leaderboards")
    assert selected("+leaderboards") == area | {"stg_ohlcvt", "base_market__ohlcvt"}
    assert selected("metrics") == selected("ohlc_metrics_daily") == {"ohlc_metrics_daily"}
