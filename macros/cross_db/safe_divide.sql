{#- numerator / denominator as a double, NULL when the denominator is 0 or NULL.
    MariaDB's strict mode fails a CREATE TABLE ... SELECT on division by zero (error 1365),
    and DuckDB returns inf or NaN, so every division in the models goes through here. -#}
{% macro safe_divide(numerator, denominator) -%}
    ({{ data_pipeline.cast_double(numerator) }} / nullif({{ data_pipeline.cast_double(denominator) }}, 0))
{%- endmacro %}
