-- One sane bar per symbol and minute. Bars that break a rule are in stg_ohlcvt_quarantine.
-- The key columns are passed through without casts so MySQL/MariaDB can still use the
-- (symbol, timestamp) index through this view.
with

source as (

    select * from {{ source('market', 'ohlcvt') }}

),

renamed as (

    select
        -- keys
        symbol,
        timestamp as bar_at,

        -- prices
        {{ cast_double('open') }} as open,
        {{ cast_double('high') }} as high,
        {{ cast_double('low') }} as low,
        {{ cast_double('close') }} as close,

        -- activity
        {{ cast_double('volume') }} as volume,
        {{ cast_bigint(ohlcvt_trades_column()) }} as trades

    from source
    where {{ bar_quarantine_reason(trades=ohlcvt_trades_column()) }} is null

)

select * from renamed
