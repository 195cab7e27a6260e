{#- The sane bars the daily metrics' steps read, those `filter` selects: symbol, bar_epoch (epoch
    seconds) and the bar's high, low, close, volume and trades. With `materialize`, MySQL/MariaDB
    never merge the derived table into a join around it: merged, the optimizer drove the join from
    the current symbols and read every bar of each by its key, then filtered (docs/metrics.md). -#}
{% macro metrics_source_bars(filter, materialize=false) -%}
    select
        symbol,
        {{ data_pipeline.epoch_seconds('bar_at') }} as bar_epoch,
        high,
        low,
        close,
        volume,
        trades
    from {{ ref('stg_ohlcvt') }}
    where {{ filter }}
    {%- if materialize %}
    {{ data_pipeline.no_merge_limit() }}
    {%- endif %}
{%- endmacro %}
