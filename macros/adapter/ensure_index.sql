{#- Post-hook: give a model's table a primary key or an index on MySQL/MariaDB (dbt-mysql ignores
    the `indexes:` config). Checks information_schema first, so it is safe on incremental runs
    where the key already exists. A no-op on DuckDB, where an index would break the next rebuild. -#}
{% macro ensure_index(relation, columns, primary=false) -%}
    {{ return(adapter.dispatch('ensure_index', 'data_pipeline')(relation, columns, primary)) }}
{%- endmacro %}

{% macro default__ensure_index(relation, columns, primary) -%}{%- endmacro %}

{% macro mysql__ensure_index(relation, columns, primary) -%}
    {%- if execute -%}
        {%- set index_name = 'PRIMARY' if primary else 'ix_' ~ (columns | join('_')) -%}
        {%- set query -%}
            select count(*) from information_schema.statistics
            where table_schema = '{{ relation.schema }}' and table_name = '{{ relation.identifier }}'
              and index_name = '{{ index_name }}'
        {%- endset -%}
        {%- set key = 'primary key' if primary else 'index ' ~ index_name -%}
        {%- if run_query(query).columns[0].values()[0] | int == 0 -%}
            alter table {{ relation }} add {{ key }} ({{ columns | join(', ') }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro mariadb__ensure_index(relation, columns, primary) -%}
    {{ data_pipeline.mysql__ensure_index(relation, columns, primary) }}
{%- endmacro %}
