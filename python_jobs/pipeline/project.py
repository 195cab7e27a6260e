"""Where the dbt project is and what its dbt_project.yml says."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=1)
def dbt_project() -> dict[str, Any]:
    """The parsed dbt_project.yml of this repository."""
    with open(PROJECT_ROOT / "dbt_project.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def project_var(name: str) -> Any:
    """A var's default, from dbt_project.yml's `vars:` (the one place defaults are written)."""
    return dbt_project()["vars"][name]


def profile_name() -> str:
    return str(dbt_project()["profile"])
