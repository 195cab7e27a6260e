"""Stand-ins for dbt's own cross-database macros (see data_pipeline.py)."""


def concat(fields):
    return "concat(" + ", ".join(fields) + ")"
