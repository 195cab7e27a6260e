-- Every symbol's bars in epoch-aligned 6-hour buckets: the one scan of the bars table that the
-- leaderboards need. Every window size (6, 24, 72, 168 h) is a whole number of these buckets.
-- Incremental: a run re-aggregates only each symbol's newest bucket and anything after it (var
-- recompute_from: every bucket from that date). A stored bucket of that range with no bar left
-- (bars removed) is written once more as a tombstone (bar_count 0), which replaces it, and the
-- post-hook deletes the tombstones in the same transaction. On Spark the run rewrites the month
-- partitions it touches instead (macros/leaderboards/bars_6h_rows.sql).
{{
    config(
        materialized='incremental',
        post_hook=[
            "{{ data_pipeline.bars_6h_delete_tombstones() }}",
            "{{ data_pipeline.ensure_index(this, ['symbol', 'bucket_epoch'], primary=true) }}",
        ],
        **data_pipeline.incremental_table_config(['symbol', 'bucket_epoch'], 'bucket_month')
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

{%- if is_incremental() %}

    -- the stored buckets this run re-aggregates: each one no bar is left in becomes a tombstone
    existing_buckets as (

        select
            existing.symbol,
            existing.bucket_epoch
        from {{ this }} as existing
        where {{ data_pipeline.bars_6h_filter('existing.symbol', 'existing.bucket_start') }}

    ),
{%- endif %}

-- the new buckets and, on an incremental run, the stored ones of the same range with no values
-- and bar_count 0: merged per bucket, a bucket with bars keeps its values (max ignores the
-- NULLs), one without is left a tombstone. bucketed is read once (MariaDB would compute a CTE
-- read twice twice).
candidates as (

    select
        symbol,
        bucket_epoch,
        first_bar_at,
        last_bar_at,
        close,
        volume,
        bar_count,
        volume_bar_count
    from bucketed
    {%- if is_incremental() %}

        union all

        select
            symbol,
            bucket_epoch,
            null as first_bar_at,
            null as last_bar_at,
            null as close,
            null as volume,
            0 as bar_count,
            0 as volume_bar_count
        from existing_buckets
    {%- endif %}

),

merged as (

    select
        symbol,
        bucket_epoch,
        max(first_bar_at) as first_bar_at,
        max(last_bar_at) as last_bar_at,
        max(close) as close,
        max(volume) as volume,
        max(bar_count) as bar_count,
        max(volume_bar_count) as volume_bar_count
    from candidates
    group by symbol, bucket_epoch

),

-- a tombstone gets placeholders where the stored columns may be declared not null
final as (

    select
        symbol,
        {{ cast_bigint('bucket_epoch') }} as bucket_epoch,
        {{ cast_timestamp(data_pipeline.from_epoch_seconds('bucket_epoch')) }} as bucket_start,
        {{ cast_timestamp('coalesce(first_bar_at, ' ~ data_pipeline.from_epoch_seconds('bucket_epoch') ~ ')') }}
            as first_bar_at,
        {{ cast_timestamp('coalesce(last_bar_at, ' ~ data_pipeline.from_epoch_seconds('bucket_epoch') ~ ')') }}
            as last_bar_at,
        {{ cast_double('coalesce(close, 0)') }} as close,
        {{ cast_double('volume') }} as volume,
        {{ cast_bigint('bar_count') }} as bar_count,
        {{ cast_bigint('volume_bar_count') }} as volume_bar_count
    from merged

)

{{ data_pipeline.bars_6h_rows('final') }}
