{#- Model pre-hook: every model runs on a fresh connection, so pin MySQL/MariaDB sessions to UTC.
    DuckDB's TIMESTAMP is naive already: nothing to do (an empty hook is skipped). -#}
{% macro session_utc() -%}
    {{ return(adapter.dispatch('session_utc', 'data_pipeline')()) }}
{%- endmacro %}

{% macro default__session_utc() -%}{%- endmacro %}

{#- https://mariadb.com/kb/en/time-zones/ -#}
{% macro mysql__session_utc() -%}set time_zone = '+00:00'{%- endmacro %}
{% macro mariadb__session_utc() -%}{{ data_pipeline.mysql__session_utc() }}{%- endmacro %}
