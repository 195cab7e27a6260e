{#- dbt-mysql's incremental delete is `(k1, k2) in (select ... from tmp)`, which MariaDB runs as a
    dependent subquery: a one-day batch into 5 M rows does not finish in minutes. A multi-table
    delete joins the batch to the target's key instead (relation names unaliased: the connection
    has no default database, and an alias fails with error 1046). Overrides the adapter's macro
    of the same name for the mysql and mariadb materializations; DuckDB does not use it. -#}
{% macro incremental_delete(tmp_relation, target_relation, unique_key=none, statement_name="pre_main") -%}
    {%- if unique_key is not none and unique_key | length -%}
        {%- set keys = [unique_key] if unique_key is string else unique_key -%}
        delete {{ target_relation }}
        from {{ target_relation }}
        inner join {{ tmp_relation }}
            on {% for k in keys %}{{ target_relation }}.{{ k }} = {{ tmp_relation }}.{{ k }}
            {%- if not loop.last %} and {% endif %}{% endfor %}
    {%- endif %}
{%- endmacro %}
