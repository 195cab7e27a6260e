-- Every symbol's disjoint windows of each size with their change and their rank on the four
-- boards (losers, gainers, volume drops, volume spikes): the ranking is int_windows_ranked.
-- A view: the rows are int_windows_ranked's, so a table would only copy them on every run.
{{ config(materialized='view') }}

with

windows as (

    select * from {{ ref('int_windows_ranked') }}

),

final as (

    select
        symbol,
        window_hours,
        window_start,
        window_epoch,
        previous_window_start,
        close,
        volume,
        previous_close,
        previous_volume,
        price_change_pct,
        volume_change_pct,
        loss_rank,
        gain_rank,
        volume_drop_rank,
        volume_spike_rank,
        bar_count,
        as_of
    from windows

)

select * from final
