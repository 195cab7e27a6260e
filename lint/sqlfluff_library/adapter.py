"""Stand-in for dbt's `adapter` object (see data_pipeline.py)."""


def quote(name):
    return f"`{name}`"


class _Column:
    def __init__(self, name):
        self.name = name


def get_columns_in_relation(relation):
    return [_Column(name) for name in ("symbol", "bucket_epoch", "bucket_month")]
