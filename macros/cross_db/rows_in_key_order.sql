{#- A table's rows from CTE `final`, in the order of its key where that pays. DuckDB: sorted. Written
    unordered by two threads, a table's row groups are rewritten by the checkpoint that follows the
    commit (0.4 s of the 1.2 s write of indicators_15m's 576,000 rows, against a sort of 0.1 s;
    docs/indicators.md, "Time"), and a sorted table reads faster for one symbol. Elsewhere as they
    come: MySQL/MariaDB store them in primary-key order anyway, and Spark would add a global sort. -#}
{% macro rows_in_key_order(final, key) -%}
    {{ return(adapter.dispatch('rows_in_key_order', 'data_pipeline')(final, key)) }}
{%- endmacro %}
{% macro default__rows_in_key_order(final, key) -%}
    select * from {{ final }}
{%- endmacro %}
{% macro duckdb__rows_in_key_order(final, key) -%}
    select * from {{ final }}
    order by {{ key | join(', ') }}
{%- endmacro %}
