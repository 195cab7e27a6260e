{#- Explicit casts for every model output column. On MySQL/MariaDB a table's column types are
    inferred from its first build (a literal 10.0 becomes DECIMAL(3,1)), so cast everything. -#}

{% macro cast_double(x) -%}
    {{ return(adapter.dispatch('cast_double', 'data_pipeline')(x)) }}
{%- endmacro %}
{% macro default__cast_double(x) -%}cast({{ x }} as double){%- endmacro %}
{#- https://mariadb.com/kb/en/cast/ : DOUBLE since 10.4; type_float() would be single precision. -#}
{% macro mysql__cast_double(x) -%}cast({{ x }} as double){%- endmacro %}
{% macro mariadb__cast_double(x) -%}{{ data_pipeline.mysql__cast_double(x) }}{%- endmacro %}

{% macro cast_bigint(x) -%}
    {{ return(adapter.dispatch('cast_bigint', 'data_pipeline')(x)) }}
{%- endmacro %}
{% macro default__cast_bigint(x) -%}cast({{ x }} as bigint){%- endmacro %}
{#- MySQL has no CAST(... AS BIGINT); SIGNED is a 64-bit integer. -#}
{% macro mysql__cast_bigint(x) -%}cast({{ x }} as signed){%- endmacro %}
{% macro mariadb__cast_bigint(x) -%}{{ data_pipeline.mysql__cast_bigint(x) }}{%- endmacro %}

{% macro cast_string(x, length=64) -%}
    {{ return(adapter.dispatch('cast_string', 'data_pipeline')(x, length)) }}
{%- endmacro %}
{% macro default__cast_string(x, length) -%}cast({{ x }} as varchar){%- endmacro %}
{#- CHAR(n) in a CAST produces a VARCHAR(n) column; utf8mb4 binary so 'btc' <> 'BTC'. -#}
{% macro mysql__cast_string(x, length) -%}
    cast({{ x }} as char({{ length }}) character set utf8mb4) collate utf8mb4_bin
{%- endmacro %}
{% macro mariadb__cast_string(x, length) -%}{{ data_pipeline.mysql__cast_string(x, length) }}{%- endmacro %}
{#- https://spark.apache.org/docs/3.5.0/sql-ref-datatypes.html : VARCHAR needs a length; STRING has none. -#}
{% macro spark__cast_string(x, length) -%}cast({{ x }} as string){%- endmacro %}

{% macro cast_timestamp(x) -%}
    {{ return(adapter.dispatch('cast_timestamp', 'data_pipeline')(x)) }}
{%- endmacro %}
{% macro default__cast_timestamp(x) -%}cast({{ x }} as timestamp){%- endmacro %}
{#- DATETIME, never TIMESTAMP: no session time zone conversion, no 2038 limit. -#}
{% macro mysql__cast_timestamp(x) -%}cast({{ x }} as datetime){%- endmacro %}
{% macro mariadb__cast_timestamp(x) -%}{{ data_pipeline.mysql__cast_timestamp(x) }}{%- endmacro %}

{% macro cast_date(x) -%}
    cast({{ x }} as date)
{%- endmacro %}

{#- A true/false value of a predicate. MySQL/MariaDB have no boolean type (BOOLEAN is TINYINT(1)):
    the predicate's own 1 or 0. -#}
{% macro cast_boolean(x) -%}
    {{ return(adapter.dispatch('cast_boolean', 'data_pipeline')(x)) }}
{%- endmacro %}
{% macro default__cast_boolean(x) -%}cast(({{ x }}) as boolean){%- endmacro %}
{% macro mysql__cast_boolean(x) -%}({{ x }}){%- endmacro %}
{% macro mariadb__cast_boolean(x) -%}{{ data_pipeline.mysql__cast_boolean(x) }}{%- endmacro %}
