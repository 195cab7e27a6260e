{#- The UTC timestamp (DATETIME on MySQL/MariaDB) n whole seconds after 1970-01-01 00:00:00. -#}
{% macro from_epoch_seconds(n) -%}
    {{ return(adapter.dispatch('from_epoch_seconds', 'data_pipeline')(n)) }}
{%- endmacro %}

{% macro default__from_epoch_seconds(n) -%}
    {{ exceptions.raise_compiler_error("from_epoch_seconds is not implemented for adapter " ~ target.type) }}
{%- endmacro %}

{#- https://mariadb.com/kb/en/date-and-time-units/ : no FROM_UNIXTIME, which depends on the session zone. -#}
{% macro mysql__from_epoch_seconds(n) -%}
    (cast('1970-01-01 00:00:00' as datetime) + interval ({{ n }}) second)
{%- endmacro %}

{% macro mariadb__from_epoch_seconds(n) -%}{{ data_pipeline.mysql__from_epoch_seconds(n) }}{%- endmacro %}

{#- https://duckdb.org/docs/sql/functions/timestamp#make_timestampmicroseconds : a naive TIMESTAMP. -#}
{% macro duckdb__from_epoch_seconds(n) -%}
    make_timestamp(cast({{ n }} as bigint) * 1000000)
{%- endmacro %}

{#- https://spark.apache.org/docs/3.5.0/api/sql/#timestamp_seconds : the instant; it reads as UTC
    in the session time zone the profile and session_utc set. -#}
{% macro spark__from_epoch_seconds(n) -%}
    timestamp_seconds(cast({{ n }} as bigint))
{%- endmacro %}
