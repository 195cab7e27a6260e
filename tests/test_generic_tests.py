"""The project's generic tests (macros/tests) and the dialect-macro proof (tests/dbt), seen failing.

A throwaway dbt project in tmp_path, named like this one and reading this project's macros and
tests/dbt, builds small seeds: for each generic test a good relation (built to trip a plausible
wrong version of the test: grouping on too few columns, ignoring the partition or the
where_clause, taking NULL for true) that must pass, and a bad one that must fail with a known
number of failing rows. The seed cross_db_macro_cases is the project's plus a row whose macros
all return NULL (a NULL timestamp) and one with a wrong expected value. One `dbt build` per engine.
"""

from __future__ import annotations

import shutil
import textwrap

import pytest
import yaml

from helpers import engines_param
from pipeline import dbt_runner
from pipeline.project import PROJECT_ROOT, dbt_project


def text_type(target_type: str) -> str:
    return "varchar" if target_type == "duckdb" else "varchar(16)"


def time_type(target_type: str) -> str:
    return "timestamp" if target_type == "duckdb" else "datetime"


SEEDS = {
    # the same (symbol, bucket_epoch) twice: one duplicated key. The good one repeats each column
    # alone, so a test grouping on either column only fails it.
    "grain_good": """
        symbol,bucket_epoch,close
        A,0,1
        A,21600,1
        B,0,1
        """,
    "grain_bad": """
        symbol,bucket_epoch,close
        A,0,1
        A,0,2
        A,21600,1
        B,0,1
        """,
    # ranks 1..N per (window_hours, window_start); NULL ranks and rows with complete = 0 do not
    # count. The good one holds two partitions (their ranks repeat across them), a NULL rank and
    # an incomplete row whose rank would break its partition. The bad one breaks it three ways:
    # a gap (1, 2, 4), a repeat (1, 2, 2), a start above 1 (2, 3); partition (6, 1) is fine.
    "ranks_good": """
        window_hours,window_start,symbol,rank,complete
        6,0,A,1,1
        6,0,B,2,1
        6,0,C,3,1
        6,0,D,,1
        6,0,E,7,0
        6,21600,A,2,1
        6,21600,B,1,1
        24,0,A,1,1
        """,
    "ranks_bad": """
        window_hours,window_start,symbol,rank,complete
        6,0,A,1,1
        6,0,B,2,1
        6,0,C,4,1
        6,1,A,1,1
        6,21600,A,1,1
        6,21600,B,2,1
        6,21600,C,2,1
        24,0,A,2,1
        24,0,B,3,1
        """,
    # lo <= hi where complete = 1. The good one has a row breaking it outside the where_clause;
    # the bad one a false row and a NULL one (NULL is not true).
    "bounds_good": """
        lo,hi,complete
        1,2,1
        2,2,1
        5,1,0
        """,
    "bounds_bad": """
        lo,hi,complete
        1,2,1
        3,2,1
        ,2,1
        5,1,0
        """,
    # quarantined_share at 1%: one bar with a reason among 100 is exactly 1% (passes), two among
    # 101 are more (fail)
    "checked_one": "n,quarantine_reason\n" + "".join(f"{i},\n" for i in range(99)) + "99,bad\n",
    "checked_two": "n,quarantine_reason\n" + "".join(f"{i},\n" for i in range(99)) + "99,a\n100,b\n",
    # float columns within +-1e300 or NULL; the bad one has one value past each side
    "floats_good": """
        label,x,y
        a,1e299,-1e299
        b,,0
        """,
    "floats_bad": """
        label,x,y
        a,1e301,0
        b,0,-1e301
        c,1,1
        """,
    "one_row_good": """
        n
        1
        """,
    "one_row_bad": """
        n
        1
        2
        """,
}

# (seed, test, arguments, failing rows expected: 0 = the test passes)
CASES = [
    ("grain_good", "unique_combination_of_columns", {"combination_of_columns": ["symbol", "bucket_epoch"]}, 0),
    ("grain_bad", "unique_combination_of_columns", {"combination_of_columns": ["symbol", "bucket_epoch"]}, 1),
    ("ranks_good", "contiguous_ranks", {"column_name": "rank", "quote_column": True, "where_clause": "complete = 1",
                                        "partition_by": ["window_hours", "window_start"]}, 0),
    ("ranks_bad", "contiguous_ranks", {"column_name": "rank", "quote_column": True, "where_clause": "complete = 1",
                                       "partition_by": ["window_hours", "window_start"]}, 3),
    ("bounds_good", "expression_is_true", {"expression": "lo <= hi", "where_clause": "complete = 1"}, 0),
    ("bounds_bad", "expression_is_true", {"expression": "lo <= hi", "where_clause": "complete = 1"}, 2),
    ("checked_one", "quarantined_share", {"max_share": 0.01}, 0),
    ("checked_two", "quarantined_share", {"max_share": 0.01}, 1),
    ("floats_good", "finite_values", {}, 0),
    ("floats_bad", "finite_values", {}, 2),
    ("one_row_good", "row_count", {"expected": 1}, 0),
    ("one_row_bad", "row_count", {"expected": 1}, 1),
]

# the project's cases, then a NULL timestamp (every timestamp macro returns NULL) and a wrong
# expected quotient: the proof must report exactly these two
EXTRA_MACRO_CASES = [
    "8,,21600,90,1,3,21599,21600,1710078420,2024-03-10 12:00:00,2024-03-10 13:48:30,0.3333333333333333,0",
    "9,2024-03-10 13:47:00,21600,90,1,3,21599,21600,1710078420,2024-03-10 12:00:00,2024-03-10 13:48:30,"
    "0.3333333333333333,1",
]


def write_project(root, target_type: str) -> None:
    """dbt_project.yml: this project's name, profile, dispatch order, vars and seed types; its
    macros and (copied) singular tests; seeds and their tests from here."""
    real = dbt_project()
    seed_types = {
        "grain_good": {"symbol": text_type(target_type)}, "grain_bad": {"symbol": text_type(target_type)},
        "ranks_good": {"symbol": text_type(target_type)}, "ranks_bad": {"symbol": text_type(target_type)},
        "checked_one": {"quarantine_reason": text_type(target_type)},
        "checked_two": {"quarantine_reason": text_type(target_type)},
        "floats_good": {"x": "double", "y": "double"}, "floats_bad": {"x": "double", "y": "double"},
    }
    seeds = {"data_pipeline": {"cross_db_macro_cases": real["seeds"]["data_pipeline"]["cross_db_macro_cases"]}}
    for name, types in seed_types.items():
        seeds["data_pipeline"][name] = {"+column_types": types}
    config = {key: real[key] for key in ("name", "version", "config-version", "profile", "dispatch", "vars")}
    config |= {"macro-paths": [str(PROJECT_ROOT / "macros")], "test-paths": ["tests"], "seed-paths": ["seeds"],
               "model-paths": ["models"], "seeds": seeds}
    (root / "dbt_project.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "models").mkdir()
    (root / "seeds").mkdir()
    # copied, not pointed at: dbt writes a test's compiled SQL to target-path joined with the
    # test's path, which for a path outside the project is the source file itself
    shutil.copytree(PROJECT_ROOT / "tests" / "dbt", root / "tests")
    for name, body in SEEDS.items():
        (root / "seeds" / f"{name}.csv").write_text(textwrap.dedent(body).lstrip())
    real_cases = (PROJECT_ROOT / "seeds" / "cross_db_macro_cases.csv").read_text().rstrip("\n")
    (root / "seeds" / "cross_db_macro_cases.csv").write_text("\n".join([real_cases, *EXTRA_MACRO_CASES]) + "\n")
    tests = {"version": 2, "seeds": [
        {"name": seed, "tests": [{test: {"name": f"{test}__{seed}", **arguments}}]}
        for seed, test, arguments, _ in CASES]}
    (root / "seeds" / "_seeds.yml").write_text(yaml.safe_dump(tests, sort_keys=False))


def build(root, warehouse, profiles_dir, tmp_path):
    """`dbt build` of the throwaway project (dbt_runner.invoke runs this project only)."""
    from dbt.cli.main import dbtRunner

    try:
        return dbtRunner().invoke(["build", "--project-dir", str(root), "--profiles-dir", str(profiles_dir),
                                   "--target", warehouse.name, "--target-path", str(tmp_path / "target"),
                                   "--log-path", str(tmp_path / "logs")])
    finally:
        dbt_runner.release_duckdb()


@pytest.mark.slow
@engines_param()
def test_generic_tests_pass_good_and_fail_bad_relations(warehouse, profiles_dir, tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, warehouse.type)
    result = build(root, warehouse, profiles_dir, tmp_path)
    assert result.exception is None, result.exception
    outcomes = {item.node.name: (str(item.status).lower(), item.failures) for item in result.result.results}
    expected = {seed: ("success", None) for seed in [*SEEDS, "cross_db_macro_cases"]}
    for seed, test, _, failing in CASES:
        expected[f"{test}__{seed}"] = ("fail", failing) if failing else ("pass", 0)
    expected["cross_db_macros_agree"] = ("fail", len(EXTRA_MACRO_CASES))
    assert outcomes == expected
