{#- Model pre-hook (every model): let MySQL/MariaDB keep this session's temporary tables in memory
    up to var session_memory_mb. The server default of 16 MB spills a full build's groups and
    window sorts to disk: candles_5m of 100 symbols x 60 days took 142 s instead of 38, the first
    metrics step five times longer. A limit, not an allocation; a no-op elsewhere. -#}
{% macro session_memory() -%}
    {{ return(adapter.dispatch('session_memory', 'data_pipeline')()) }}
{%- endmacro %}

{% macro default__session_memory() -%}{%- endmacro %}

{#- https://mariadb.com/kb/en/server-system-variables/#tmp_table_size -#}
{% macro mysql__session_memory() -%}
    {%- set bytes = data_pipeline.checked_var('session_memory_mb') * 1024 * 1024 -%}
    set session tmp_table_size = {{ bytes }}, max_heap_table_size = {{ bytes }}
{%- endmacro %}
{% macro mariadb__session_memory() -%}{{ data_pipeline.mysql__session_memory() }}{%- endmacro %}
