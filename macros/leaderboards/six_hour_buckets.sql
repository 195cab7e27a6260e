{#- Minute bars into epoch-aligned 6-hour buckets: one definition for int_bars_6h (whole buckets)
    and int_buckets_cut_to_lookback (the two edge buckets the lookback cuts), so both agree on what a
    bucket's close and volume are. `bars` and `bar_closes` are CTE names: bars with symbol, bar_at,
    volume (already filtered), and every bar's (symbol, bar_at, close) for the close lookup.
    Columns: symbol, bucket_epoch, first_bar_at, last_bar_at, close (of the last bar), volume (sum
    of known volumes, NULL when none), bar_count, volume_bar_count. -#}
{% macro six_hour_buckets(bars, bar_closes) -%}
    select
        totals.symbol,
        totals.bucket_epoch,
        totals.first_bar_at,
        totals.last_bar_at,
        {{ bar_closes }}.close,
        totals.volume,
        totals.bar_count,
        totals.volume_bar_count
    from (
        select
            symbol,
            {{ data_pipeline.bucket_epoch('bar_at', 21600) }} as bucket_epoch,
            min(bar_at) as first_bar_at,
            max(bar_at) as last_bar_at,
            sum(volume) as volume,
            count(*) as bar_count,
            count(volume) as volume_bar_count
        from {{ bars }}
        group by symbol, {{ data_pipeline.bucket_epoch('bar_at', 21600) }}
    ) as totals
    inner join {{ bar_closes }}
        on
            totals.symbol = {{ bar_closes }}.symbol
            and totals.last_bar_at = {{ bar_closes }}.bar_at
{%- endmacro %}
