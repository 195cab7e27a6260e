"""Stand-in for dbt's `execute` flag: true when dbt runs a model, false while it parses the project.

sqlfluff exposes this module as `execute`, and a module is true, so `{% if execute %}` renders the
branch that holds the SQL (the one worth linting).
"""
