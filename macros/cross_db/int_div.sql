{#- Integer quotient of two non-negative integers (floor division). MySQL's `/` yields a DECIMAL
    rounded to 4 places, so floor(a / b) can be off by one: 21599 / 21600 rounds to 1.0000. -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'data_pipeline')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    {{ exceptions.raise_compiler_error("int_div is not implemented for adapter " ~ target.type) }}
{%- endmacro %}

{#- https://mariadb.com/kb/en/div/ -#}
{% macro mysql__int_div(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}

{% macro mariadb__int_div(numerator, denominator) -%}
    {{ data_pipeline.mysql__int_div(numerator, denominator) }}
{%- endmacro %}

{#- https://duckdb.org/docs/sql/functions/numeric : `//` is integer division. -#}
{% macro duckdb__int_div(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) // cast({{ denominator }} as bigint))
{%- endmacro %}

{#- https://spark.apache.org/docs/3.5.0/api/sql/#div : integral division of two bigints. -#}
{% macro spark__int_div(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) div cast({{ denominator }} as bigint))
{%- endmacro %}
