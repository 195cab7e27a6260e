{#- Step 7, MySQL/MariaDB only: the lowest price of each bucket of step 6's sorted prices
    (bucket_low), kept in ohlc_metrics_daily__typical_buckets, so that a lookup reads the day's
    bucket heads and then one bucket instead of half a day. Naming the symbols makes it a key
    range per symbol, not a scan. None where step 6 keeps no prices. -#}
{% macro metrics_step_typical_buckets(plan) -%}
    {{ return(adapter.dispatch('metrics_step_typical_buckets', 'data_pipeline')(plan)) }}
{%- endmacro %}
{% macro default__metrics_step_typical_buckets(plan) -%}{{ return(none) }}{%- endmacro %}
{% macro mysql__metrics_step_typical_buckets(plan) -%}
    select
        symbol,
        seg_date,
        bucket,
        min(typical_from_close) as bucket_low
    from {{ data_pipeline.metrics_stage('typical_prices') }}
    {%- if plan.start is not none %}
    where
        {{ data_pipeline.symbol_scan_hint('symbol') }}
        and {{ data_pipeline.metrics_recomputed(plan, 'symbol', 'seg_date') }}
    {%- endif %}
    group by symbol, seg_date, bucket
{%- endmacro %}
{% macro mariadb__metrics_step_typical_buckets(plan) -%}
    {{ return(data_pipeline.mysql__metrics_step_typical_buckets(plan)) }}
{%- endmacro %}
