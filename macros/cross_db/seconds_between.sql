{#- Whole seconds from start_ts to end_ts (negative when end_ts is earlier), as a bigint. -#}
{% macro seconds_between(start_ts, end_ts) -%}
    ({{ data_pipeline.epoch_seconds(end_ts) }} - {{ data_pipeline.epoch_seconds(start_ts) }})
{%- endmacro %}
