{#- Whole seconds since 1970-01-01 00:00:00 for a UTC timestamp/datetime, as a bigint. -#}
{% macro epoch_seconds(ts) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'data_pipeline')(ts)) }}
{%- endmacro %}

{% macro default__epoch_seconds(ts) -%}
    {{ exceptions.raise_compiler_error("epoch_seconds is not implemented for adapter " ~ target.type) }}
{%- endmacro %}

{#- https://mariadb.com/kb/en/to_seconds/ : seconds since year 0, independent of the session time
    zone and not limited to 2038, unlike UNIX_TIMESTAMP(); 62167219200 is 1970-01-01 in those units.
    About 15% cheaper per row than TIMESTAMPDIFF(SECOND, '1970-01-01', ts), which matters in scans
    of every bar. -#}
{% macro mysql__epoch_seconds(ts) -%}
    (to_seconds({{ ts }}) - 62167219200)
{%- endmacro %}

{% macro mariadb__epoch_seconds(ts) -%}{{ data_pipeline.mysql__epoch_seconds(ts) }}{%- endmacro %}

{#- https://duckdb.org/docs/sql/functions/timestamp : epoch() returns seconds as a double. -#}
{% macro duckdb__epoch_seconds(ts) -%}
    cast(floor(epoch({{ ts }})) as bigint)
{%- endmacro %}

{#- https://spark.apache.org/docs/3.5.0/api/sql/#unix_seconds : whole seconds of a TIMESTAMP (an
    instant), whatever the session time zone. -#}
{% macro spark__epoch_seconds(ts) -%}
    unix_seconds(cast({{ ts }} as timestamp))
{%- endmacro %}
