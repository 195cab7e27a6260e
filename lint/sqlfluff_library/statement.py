"""Stand-in for dbt's `{% call statement(name) %}...{% endcall %}` (see run_query.py for why a module).

dbt runs the block's SQL and renders nothing; here the block renders its SQL, so sqlfluff lints it.
"""

import sys
import types


class _Statement(types.ModuleType):
    # Jinja's sandbox calls only what is not marked unsafe
    unsafe_callable = False
    alters_data = False

    def __call__(self, name=None, fetch_result=False, auto_begin=True, language="sql", caller=None):
        return caller() if caller else ""


sys.modules[__name__].__class__ = _Statement
