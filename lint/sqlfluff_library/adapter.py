"""Stand-in for dbt's `adapter` object (see data_pipeline.py)."""


def quote(name):
    return f"`{name}`"
