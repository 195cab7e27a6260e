{#- ts plus n units (second, minute, hour or day). n may be an expression or negative. -#}
{% macro timestamp_add(datepart, n, ts) -%}
    {%- if datepart | lower not in ['second', 'minute', 'hour', 'day'] -%}
        {{ exceptions.raise_compiler_error("timestamp_add: datepart must be second, minute, hour or day, got "
            ~ datepart) }}
    {%- endif -%}
    {{ return(adapter.dispatch('timestamp_add', 'data_pipeline')(datepart | lower, n, ts)) }}
{%- endmacro %}

{% macro default__timestamp_add(datepart, n, ts) -%}
    {{ exceptions.raise_compiler_error("timestamp_add is not implemented for adapter " ~ target.type) }}
{%- endmacro %}

{#- https://mariadb.com/kb/en/date_add/ -#}
{% macro mysql__timestamp_add(datepart, n, ts) -%}
    date_add({{ ts }}, interval ({{ n }}) {{ datepart }})
{%- endmacro %}

{% macro mariadb__timestamp_add(datepart, n, ts) -%}
    {{ data_pipeline.mysql__timestamp_add(datepart, n, ts) }}
{%- endmacro %}

{#- https://duckdb.org/docs/sql/functions/interval : to_seconds() etc. build an interval from a number. -#}
{% macro duckdb__timestamp_add(datepart, n, ts) -%}
    ({{ ts }} + to_{{ datepart }}s(cast({{ n }} as bigint)))
{%- endmacro %}

{#- https://spark.apache.org/docs/3.5.0/api/sql/#timestampadd : the unit is a keyword, the quantity
    any integer expression (`ts + interval n hour` takes literals only). -#}
{% macro spark__timestamp_add(datepart, n, ts) -%}
    timestampadd({{ datepart }}, cast({{ n }} as bigint), {{ ts }})
{%- endmacro %}
