{#- The month partition of a date or timestamp expression on Spark: the month's first day, a date (the
    metrics', the regime's, int_bars_6h's and the 1h, 4h and 1d candle tables' partition columns). -#}
{% macro partition_month(expression) -%}
    {{ return("cast(date_trunc('MONTH', " ~ expression ~ ") as date)") }}
{%- endmacro %}
