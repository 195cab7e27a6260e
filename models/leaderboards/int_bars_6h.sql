-- Every symbol's bars in epoch-aligned 6-hour buckets: the one scan of the bars table that the
-- leaderboards need. Every window size (6, 24, 72, 168 h) is a whole number of these buckets.
-- Incremental: a run re-aggregates only each symbol's newest bucket and anything after it
-- (var recompute_from: every bucket from that date, and drops the ones whose bars were removed).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['symbol', 'bucket_epoch'],
        post_hook=[
            "{{ data_pipeline.bars_6h_delete_emptied() }}",
            "{{ data_pipeline.ensure_index(this, ['symbol', 'bucket_epoch'], primary=true) }}",
        ]
    )
}}

with

bars as (

    select
        source_bars.symbol,
        source_bars.bar_at,
        source_bars.close,
        source_bars.volume
    from {{ ref('stg_ohlcvt') }} as source_bars
    where {{ data_pipeline.bars_6h_filter('source_bars.symbol', 'source_bars.bar_at') }}

),

bar_closes as (

    select
        symbol,
        bar_at,
        close
    from {{ ref('stg_ohlcvt') }}

),

bucketed as (

    {{ data_pipeline.six_hour_buckets('bars', 'bar_closes') }}

),

final as (

    select
        bucketed.symbol,
        {{ cast_bigint('bucketed.bucket_epoch') }} as bucket_epoch,
        {{ cast_timestamp(data_pipeline.from_epoch_seconds('bucketed.bucket_epoch')) }} as bucket_start,
        {{ cast_timestamp('bucketed.first_bar_at') }} as first_bar_at,
        {{ cast_timestamp('bucketed.last_bar_at') }} as last_bar_at,
        {{ cast_double('bucketed.close') }} as close,
        {{ cast_double('bucketed.volume') }} as volume,
        {{ cast_bigint('bucketed.bar_count') }} as bar_count,
        {{ cast_bigint('bucketed.volume_bar_count') }} as volume_bar_count
    from bucketed

)

select * from final
