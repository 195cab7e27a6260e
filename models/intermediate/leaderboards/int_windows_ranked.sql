-- Every symbol's disjoint windows of each size (default 6, 24, 72, 168 h; epoch-aligned UTC),
-- each compared with the symbol's previous window of the same size, and ranked across symbols:
-- the top-N losers, gainers, volume drops and volume spikes of each window start.
-- A symbol's first window has nothing to compare with and is left out.
{%- set p = data_pipeline.leaderboard_params() %}

with

buckets as (

    select * from {{ ref('int_buckets_cut_to_lookback') }}

),

window_sizes as (

    {% for w in p.window_hours -%}
        select {{ w }} as window_hours{% if not loop.last %}
            union all {% endif %}
    {% endfor %}

),

bucket_windows as (

    select
        buckets.symbol,
        window_sizes.window_hours,
        {{ data_pipeline.int_div('buckets.bucket_epoch', 'window_sizes.window_hours * 3600') }}
        * window_sizes.window_hours * 3600 as window_epoch,
        buckets.bucket_epoch,
        buckets.volume,
        buckets.bar_count
    from buckets
    cross join window_sizes

),

window_totals as (

    select
        symbol,
        window_hours,
        window_epoch,
        max(bucket_epoch) as last_bucket_epoch,
        sum(volume) as volume,
        sum(bar_count) as bar_count
    from bucket_windows
    group by symbol, window_hours, window_epoch

),

windows as (

    select
        window_totals.symbol,
        window_totals.window_hours,
        window_totals.window_epoch,
        buckets.close,
        window_totals.volume,
        window_totals.bar_count
    from window_totals
    inner join buckets
        on
            window_totals.symbol = buckets.symbol
            and window_totals.last_bucket_epoch = buckets.bucket_epoch
    {%- if p.complete_windows_only %}
    -- complete_windows_only: drop the windows the lookback start or as_of cut through
        where
            window_totals.window_epoch >= {{ p.lookback_epoch }}
            and window_totals.window_epoch + window_totals.window_hours * 3600 <= {{ p.as_of_epoch }}
    {%- endif %}

),

with_previous as (

    select
        symbol,
        window_hours,
        window_epoch,
        close,
        volume,
        bar_count,
        lag(window_epoch) over (partition by symbol, window_hours order by window_epoch) as previous_epoch,
        lag(close) over (partition by symbol, window_hours order by window_epoch) as previous_close,
        lag(volume) over (partition by symbol, window_hours order by window_epoch) as previous_volume
    from windows

),

changes as (

    select
        symbol,
        window_hours,
        window_epoch,
        previous_epoch,
        close,
        volume,
        previous_close,
        previous_volume,
        bar_count,
        (close / nullif(previous_close, 0) - 1) * 100 as price_change_pct,
        (volume / nullif(previous_volume, 0) - 1) * 100 as volume_change_pct
    from with_previous
    where previous_epoch is not null

),

ordered as (

    select
        *,
        row_number() over (
            partition by window_hours, window_epoch, sign(price_change_pct)
            order by price_change_pct asc, symbol asc
        ) as price_ascending,
        row_number() over (
            partition by window_hours, window_epoch, sign(price_change_pct)
            order by price_change_pct desc, symbol asc
        ) as price_descending,
        row_number() over (
            partition by window_hours, window_epoch, sign(volume_change_pct)
            order by volume_change_pct asc, symbol asc
        ) as volume_ascending,
        row_number() over (
            partition by window_hours, window_epoch, sign(volume_change_pct)
            order by volume_change_pct desc, symbol asc
        ) as volume_descending
    from changes

),

ranked as (

    select
        *,
        case when price_change_pct < 0 and price_ascending <= {{ p.top_n }} then price_ascending end as loss_rank,
        case when price_change_pct > 0 and price_descending <= {{ p.top_n }} then price_descending end as gain_rank,
        case
            when volume_change_pct < 0 and volume_ascending <= {{ p.top_n }} then volume_ascending
        end as volume_drop_rank,
        case
            when volume_change_pct > 0 and volume_descending <= {{ p.top_n }} then volume_descending
        end as volume_spike_rank
    from ordered

),

final as (

    select
        symbol,
        {{ cast_bigint('window_hours') }} as window_hours,
        {{ cast_timestamp(data_pipeline.from_epoch_seconds('window_epoch')) }} as window_start,
        {{ cast_bigint('window_epoch') }} as window_epoch,
        {{ cast_timestamp(data_pipeline.from_epoch_seconds('previous_epoch')) }} as previous_window_start,
        {{ cast_double('close') }} as close,
        {{ cast_double('volume') }} as volume,
        {{ cast_double('previous_close') }} as previous_close,
        {{ cast_double('previous_volume') }} as previous_volume,
        {{ cast_double('price_change_pct') }} as price_change_pct,
        {{ cast_double('volume_change_pct') }} as volume_change_pct,
        {{ cast_bigint('loss_rank') }} as loss_rank,
        {{ cast_bigint('gain_rank') }} as gain_rank,
        {{ cast_bigint('volume_drop_rank') }} as volume_drop_rank,
        {{ cast_bigint('volume_spike_rank') }} as volume_spike_rank,
        {{ cast_bigint('bar_count') }} as bar_count,
        {{ data_pipeline.timestamp_literal(p.as_of) }} as as_of
    from ranked

)

select * from final
