{#- The current UTC time as a naive timestamp (DATETIME on MySQL/MariaDB), whole seconds. -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'data_pipeline')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    {{ exceptions.raise_compiler_error("utc_now is not implemented for adapter " ~ target.type) }}
{%- endmacro %}

{#- https://mariadb.com/kb/en/utc_timestamp/ : unlike NOW(), independent of the session time zone. -#}
{% macro mysql__utc_now() -%}utc_timestamp(){%- endmacro %}
{% macro mariadb__utc_now() -%}{{ data_pipeline.mysql__utc_now() }}{%- endmacro %}

{#- https://duckdb.org/docs/sql/functions/timestamptz : get_current_timestamp() is TIMESTAMPTZ. -#}
{% macro duckdb__utc_now() -%}
    date_trunc('second', cast(timezone('UTC', get_current_timestamp()) as timestamp))
{%- endmacro %}

{#- https://spark.apache.org/docs/3.5.0/api/sql/#current_timestamp : an instant, so no zone to convert. -#}
{% macro spark__utc_now() -%}
    date_trunc('SECOND', current_timestamp())
{%- endmacro %}
