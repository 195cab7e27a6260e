-- Raw bars that break a rule (see the bar_quarantine_reason macro), with the reason.
-- Nothing is dropped silently: every source row is either in stg_ohlcvt or here.
with

source as (

    select * from {{ source('market', 'ohlcvt') }}

),

flagged as (

    select
        -- keys
        symbol,
        timestamp as bar_at,

        -- the bar as stored
        {{ cast_double('open') }} as open,
        {{ cast_double('high') }} as high,
        {{ cast_double('low') }} as low,
        {{ cast_double('close') }} as close,
        {{ cast_double('volume') }} as volume,
        {{ cast_bigint(ohlcvt_trades_column()) }} as trades,

        -- why it is here
        {{ bar_quarantine_reason(trades=ohlcvt_trades_column()) }} as reason

    from source

),

final as (

    select * from flagged
    where reason is not null

)

select * from final
