-- Raw bars that break a rule (see the bar_quarantine_reason macro), with the reason.
-- Nothing is dropped silently: every source row is either in stg_ohlcvt or here.
with

checked as (

    select * from {{ ref('base_market__ohlcvt') }}

),

rejected as (

    select
        symbol,
        bar_at,
        open,
        high,
        low,
        close,
        volume,
        trades,
        quarantine_reason as reason
    from checked
    where quarantine_reason is not null

)

select * from rejected
