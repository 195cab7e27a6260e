-- Every sane bar in the lookback of every cohort member (a member of two cohorts appears once per
-- cohort). A view: the bars stay in the bars table, and a reader filtering on a cohort gets one
-- index range per member. The Python jobs (clustering, exports) read this.
{{ config(materialized='view') }}

with

members as (

    select * from {{ ref('int_cohort_members_ranked') }}

),

run as (

    select * from {{ ref('leaderboard_run') }}

),

bars as (

    select * from {{ ref('stg_ohlcvt') }}

),

final as (

    select
        members.cohort,
        bars.symbol,
        bars.bar_at as {{ adapter.quote('timestamp') }},
        bars.open,
        bars.high,
        bars.low,
        bars.close,
        bars.volume,
        bars.trades
    from members
    cross join run
    inner join bars
        on
            members.symbol = bars.symbol
            and run.lookback_start <= bars.bar_at
            and run.as_of > bars.bar_at

)

select * from final
