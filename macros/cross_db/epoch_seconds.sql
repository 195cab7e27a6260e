{#- Whole seconds since 1970-01-01 00:00:00 for a UTC timestamp/datetime, as a bigint. -#}
{% macro epoch_seconds(ts) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'data_pipeline')(ts)) }}
{%- endmacro %}

{% macro default__epoch_seconds(ts) -%}
    {{ exceptions.raise_compiler_error("epoch_seconds is not implemented for adapter " ~ target.type) }}
{%- endmacro %}

{#- https://mariadb.com/kb/en/timestampdiff/ : independent of the session time zone and not limited to 2038,
    unlike UNIX_TIMESTAMP(). -#}
{% macro mysql__epoch_seconds(ts) -%}
    timestampdiff(second, cast('1970-01-01 00:00:00' as datetime), {{ ts }})
{%- endmacro %}

{% macro mariadb__epoch_seconds(ts) -%}{{ data_pipeline.mysql__epoch_seconds(ts) }}{%- endmacro %}

{#- https://duckdb.org/docs/sql/functions/timestamp : epoch() returns seconds as a double. -#}
{% macro duckdb__epoch_seconds(ts) -%}
    cast(floor(epoch({{ ts }})) as bigint)
{%- endmacro %}
