-- One sane bar per symbol and minute. Bars that break a rule are in stg_ohlcvt_quarantine.
with

checked as (

    select * from {{ ref('base_market__ohlcvt') }}

),

sane as (

    select
        symbol,
        bar_at,
        open,
        high,
        low,
        close,
        volume,
        trades
    from checked
    where quarantine_reason is null

)

select * from sane
