-- The 6-hour buckets of the lookback [as_of - lookback_days, as_of) for every fresh symbol.
-- Whole buckets come from int_bars_6h; the two edge buckets that the lookback start and as_of
-- cut through are aggregated from the bars themselves (a range scan of a few hours).
{%- set p = data_pipeline.leaderboard_params() %}

with

bars_6h as (

    select * from {{ ref('int_bars_6h') }}

),

bars as (

    select
        symbol,
        bar_at,
        close,
        volume
    from {{ ref('stg_ohlcvt') }}
    where
        (
            (
                bar_at >= {{ data_pipeline.timestamp_literal(p.lookback_start) }}
                and bar_at < {{ data_pipeline.timestamp_literal(p.interior_start) }}
            )
            or (
                bar_at >= {{ data_pipeline.timestamp_literal(p.interior_end) }}
                and bar_at < {{ data_pipeline.timestamp_literal(p.as_of) }}
            )
        )
        and {{ data_pipeline.symbol_scan_hint('symbol') }}

),

bar_closes as (

    select
        symbol,
        bar_at,
        close
    from {{ ref('stg_ohlcvt') }}

),

whole_buckets as (

    select
        symbol,
        bucket_epoch,
        last_bar_at,
        close,
        volume,
        bar_count
    from bars_6h
    where
        bucket_epoch >= {{ p.interior_start_epoch }}
        and bucket_epoch < {{ p.interior_end_epoch }}

),

edge_aggregates as (

    {{ data_pipeline.six_hour_buckets('bars', 'bar_closes') }}

),

edge_buckets as (

    select
        symbol,
        bucket_epoch,
        last_bar_at,
        close,
        volume,
        bar_count
    from edge_aggregates

),

lookback_buckets as (

    select * from whole_buckets
    union all
    select * from edge_buckets

),

fresh_symbols as (

    select symbol
    from lookback_buckets
    group by symbol
    having max(last_bar_at) >= {{ data_pipeline.timestamp_literal(p.fresh_since) }}

),

final as (

    select
        lookback_buckets.symbol,
        {{ cast_bigint('lookback_buckets.bucket_epoch') }} as bucket_epoch,
        {{ cast_timestamp('lookback_buckets.last_bar_at') }} as last_bar_at,
        {{ cast_double('lookback_buckets.close') }} as close,
        {{ cast_double('lookback_buckets.volume') }} as volume,
        {{ cast_bigint('lookback_buckets.bar_count') }} as bar_count
    from lookback_buckets
    inner join fresh_symbols
        on lookback_buckets.symbol = fresh_symbols.symbol

)

select * from final
