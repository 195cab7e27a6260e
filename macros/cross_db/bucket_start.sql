{#- Start of the epoch-aligned UTC bucket of `seconds` seconds holding ts:
    floor(epoch(ts) / seconds) * seconds, as a timestamp. Defined for timestamps after 1970. -#}
{% macro bucket_start(ts, seconds) -%}
    {{ data_pipeline.from_epoch_seconds(data_pipeline.bucket_epoch(ts, seconds)) }}
{%- endmacro %}

{#- The same bucket start as epoch seconds (bigint): cheaper to group and join on. -#}
{% macro bucket_epoch(ts, seconds) -%}
    ({{ data_pipeline.int_div(data_pipeline.epoch_seconds(ts), seconds) }} * ({{ seconds }}))
{%- endmacro %}
