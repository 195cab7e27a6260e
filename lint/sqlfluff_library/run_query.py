"""Stand-in for dbt's `run_query(sql)`, so macros that query the warehouse while rendering lint offline.

sqlfluff exposes each module of this folder under its file name, and a macro calls `run_query(...)`
bare, so this module is itself the callable. It returns an agate-like table with one cell, 0: the
count a check such as ensure_index's reads as "not there yet", so the statement it guards renders.
"""

import sys
import types


class _Column:
    def __init__(self, values):
        self._values = tuple(values)

    def values(self):
        return self._values


class _Table:
    def __init__(self, value):
        self.columns = [_Column([value])]
        self.rows = [(value,)]


class _RunQuery(types.ModuleType):
    # Jinja's sandbox calls only what is not marked unsafe
    unsafe_callable = False
    alters_data = False

    def __call__(self, sql):
        return _Table(0)


sys.modules[__name__].__class__ = _RunQuery
