-- The parameters of the latest leaderboards build, one row: what `as_of` and the lookback were,
-- so a BI user (and cohort_bars) can tell exactly which bars the leaderboards describe.
{%- set p = data_pipeline.leaderboard_params() %}

with

buckets as (

    select * from {{ ref('int_buckets_cut_to_lookback') }}

),

fresh_symbols as (

    select count(distinct symbol) as fresh_symbols
    from buckets

),

final as (

    select
        {{ data_pipeline.timestamp_literal(p.as_of) }} as as_of,
        {{ data_pipeline.timestamp_literal(p.lookback_start) }} as lookback_start,
        {{ data_pipeline.timestamp_literal(p.fresh_since) }} as fresh_since,
        {{ cast_bigint(p.lookback_days) }} as lookback_days,
        {{ cast_bigint(p.fresh_within_hours) }} as fresh_within_hours,
        {{ cast_bigint(p.top_n) }} as top_n,
        {{ cast_string("'" ~ (p.window_hours | join(',')) ~ "'", 64) }} as window_hours,
        {{ cast_bigint(1 if p.complete_windows_only else 0) }} as complete_windows_only,
        {{ cast_bigint('fresh_symbols.fresh_symbols') }} as fresh_symbols,
        {{ cast_timestamp(data_pipeline.utc_now()) }} as built_at
    from fresh_symbols

)

select * from final
