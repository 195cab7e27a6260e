-- Every source bar, renamed and typed, with the first rule it breaks (NULL when sane).
-- stg_ohlcvt keeps the sane bars and stg_ohlcvt_quarantine the rest, so each source row lands
-- in exactly one of them. The key columns pass through without casts so MySQL/MariaDB can
-- still use the (symbol, timestamp) index through the views.
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
        -- a trade count no bigint holds (NaN, inf, 1e19 in a double column) would fail the
        -- cast of every row: it reads NULL here, and the bar is quarantined by its raw value
        {{ cast_bigint('case when ' ~ ohlcvt_trades_column() ~ ' between -9.2e18 and 9.2e18 then '
            ~ ohlcvt_trades_column() ~ ' end') }} as trades,

        -- checks
        {{ bar_quarantine_reason(trades=ohlcvt_trades_column()) }} as quarantine_reason

    from source

)

select * from renamed
