-- One row per symbol and complete daily candle: returns, realized volatility, moments, the SMA trend, breakout
-- shares, the drawdown, the symbol's own volatility percentile and its regime (../shared/spec/cohort-profiles.md,
-- section 1; docs/profiles.md). Incremental: each run writes every symbol's days from its newest stored one on
-- (var recompute_from reaches further back), reading the 90 daily candles before them and the stored rv_30d of
-- the 365 rows before; a row reads nothing later than its own day.
{{ config(
    materialized='incremental',
    post_hook=[
        "{{ data_pipeline.regime_delete_vanished() }}",
        "{{ data_pipeline.ensure_index(this, ['symbol', 'regime_date'], primary=true) }}",
    ],
    **data_pipeline.incremental_table_config(['symbol', 'regime_date'], 'regime_month'),
) }}
{%- set catalog = profile_catalog() %}
{%- set since = profile_recompute_since() %}
{#- the stored rows an incremental run reads; on a full build none (the same query, with nothing stored) #}
{%- set stored = this if is_incremental() else regime_nothing_stored() %}

with

daily_candles as (

    -- every complete daily candle, numbered per symbol from 0 (the spec's "k rows back" are index steps)
    select
        symbol,
        candle_at,
        high,
        close,
        row_number() over (partition by symbol order by candle_at) - 1 as day_i
    from {{ ref('candles_1d') }}
    where is_complete

),

daily_indicators as (

    select
        symbol,
        candle_at,
        sma_50,
        sma_200,
        adx_14,
        plus_di_14,
        minus_di_14,
        natr_14
    from {{ ref('indicators_1d') }}

),

stored_newest as (

    select
        stored_rows.symbol,
        max(stored_rows.regime_date) as newest_date
    from {{ stored }} as stored_rows
    group by stored_rows.symbol

),

write_starts as (

    -- per symbol, the first day this run writes: its newest stored day (it may have been built from part of
    -- its bars), or var recompute_from if earlier; every day of a symbol not stored yet
    select
        daily_candles.symbol,
        min(daily_candles.day_i) as start_i
    from daily_candles
    left join stored_newest on daily_candles.symbol = stored_newest.symbol
    where
        stored_newest.symbol is null
        or daily_candles.candle_at >= {{ cast_timestamp('stored_newest.newest_date') }}
        or daily_candles.candle_at >= {{ since or 'null' }}
    group by daily_candles.symbol

),

read_days as (

    -- the days the written ones read: the longest window (roc_90d) reaches 90 rows back
    select
        daily_candles.symbol,
        daily_candles.candle_at,
        daily_candles.day_i,
        write_starts.start_i,
        daily_candles.high,
        daily_candles.close,
        daily_indicators.sma_50,
        daily_indicators.sma_200,
        daily_indicators.adx_14,
        daily_indicators.plus_di_14,
        daily_indicators.minus_di_14,
        daily_indicators.natr_14
    from daily_candles
    inner join write_starts
        on
            daily_candles.symbol = write_starts.symbol
            and daily_candles.day_i >= write_starts.start_i - 90
    left join daily_indicators
        on
            daily_candles.symbol = daily_indicators.symbol
            and daily_candles.candle_at = daily_indicators.candle_at

),

day_returns as (

    -- per day: its log return, the values k rows back, and the extremes of the windows before it
    select
        read_days.*,
        ln(read_days.close / lag(read_days.close) over days) as log_return,
        lag(read_days.close, 7) over days as close_7d_back,
        lag(read_days.close, 30) over days as close_30d_back,
        lag(read_days.close, 90) over days as close_90d_back,
        lag(read_days.sma_50, 20) over days as sma_50_20d_back,
        max(read_days.high) over (
            partition by read_days.symbol order by read_days.day_i rows between 89 preceding and current row
        ) as high_max_90d,
        max(read_days.close) over (
            partition by read_days.symbol order by read_days.day_i rows between 20 preceding and 1 preceding
        ) as close_max_20d_before,
        min(read_days.close) over (
            partition by read_days.symbol order by read_days.day_i rows between 20 preceding and 1 preceding
        ) as close_min_20d_before
    from read_days
    window days as (partition by read_days.symbol order by read_days.day_i)

),

day_windows as (

    -- the return windows: sample std devs and the 90-row mean, exactly 0 where every return is 0 (a moving
    -- aggregate can keep a residue of the values that left); the breakout and SMA flags
    select
        day_returns.*,
        case
            when max(abs(day_returns.log_return)) over last_30_days = 0 then 0
            else stddev_samp(day_returns.log_return) over last_30_days
        end as return_std_30d,
        case
            when max(abs(day_returns.log_return)) over last_90_days = 0 then 0
            else stddev_samp(day_returns.log_return) over last_90_days
        end as return_std_90d,
        case
            when max(abs(day_returns.log_return)) over last_90_days = 0 then 0
            else avg(day_returns.log_return) over last_90_days
        end as return_mean_90d,
        case
            when day_returns.day_i >= 20
                then case when day_returns.close >= day_returns.close_max_20d_before then 1 else 0 end
        end as is_new_high_20d,
        case
            when day_returns.day_i >= 20
                then case when day_returns.close <= day_returns.close_min_20d_before then 1 else 0 end
        end as is_new_low_20d,
        case
            when day_returns.sma_50 is not null
                then case
                    when
                        day_returns.close > day_returns.sma_50
                        and not {{ profiles_equal('day_returns.close', 'day_returns.sma_50') }} then 1
                    else 0
                end
        end as is_above_sma_50
    from day_returns
    window
        last_30_days as (
            partition by day_returns.symbol order by day_returns.day_i rows between 29 preceding and current row
        ),
        last_90_days as (
            partition by day_returns.symbol order by day_returns.day_i rows between 89 preceding and current row
        )

),

day_shares as (

    -- integer counts over the last 30 rows: moving sums of 0/1 are exact on every engine
    select
        day_windows.*,
        sum(day_windows.is_new_high_20d) over last_30_days as new_high_days_30d,
        sum(day_windows.is_new_low_20d) over last_30_days as new_low_days_30d,
        sum(day_windows.is_above_sma_50) over last_30_days as above_sma_50_days_30d,
        count(day_windows.is_above_sma_50) over last_30_days as sma_50_days_30d
    from day_windows
    window last_30_days as (
        partition by day_windows.symbol order by day_windows.day_i rows between 29 preceding and current row
    )

),

written_days as (

    -- the days this run writes, with their annualized volatilities (returns exist from day_i 1 on)
    select
        day_shares.*,
        case when day_shares.day_i >= 30 then day_shares.return_std_30d * sqrt(365) end as rv_30d,
        case when day_shares.day_i >= 90 then day_shares.return_std_90d * sqrt(365) end as rv_90d
    from day_shares
    where day_shares.day_i >= day_shares.start_i

),

return_moments as (

    -- the central moments of each written day's last 90 returns around their mean: each day with the returns
    -- of its window (MariaDB derives a CTE again for every reference: the rest of the query reads no join)
    select
        written_days.symbol,
        written_days.day_i,
        avg(
            (window_days.log_return - written_days.return_mean_90d)
            * (window_days.log_return - written_days.return_mean_90d)
        ) as m2_90d,
        avg(power(window_days.log_return - written_days.return_mean_90d, 3)) as m3_90d,
        avg(power(window_days.log_return - written_days.return_mean_90d, 4)) as m4_90d
    from written_days
    inner join day_returns as window_days
        on
            written_days.symbol = window_days.symbol
            and window_days.day_i between written_days.day_i - 89 and written_days.day_i
    where written_days.day_i >= 90
    group by written_days.symbol, written_days.day_i

),

rv_baseline as (

    -- rv_30d of the rows a written day ranks its own against: the written days, and before the first of them
    -- the stored rows (an incremental run reads them instead of recomputing 365 days)
    select
        stored_rows.symbol,
        daily_candles.day_i,
        stored_rows.rv_30d
    from {{ stored }} as stored_rows
    inner join write_starts on stored_rows.symbol = write_starts.symbol
    inner join daily_candles
        on
            stored_rows.symbol = daily_candles.symbol
            and stored_rows.regime_date = {{ cast_date('daily_candles.candle_at') }}
    where
        daily_candles.day_i < write_starts.start_i
        and daily_candles.day_i >= write_starts.start_i - 365
        and stored_rows.rv_30d is not null

    union all

    select
        symbol,
        day_i,
        rv_30d
    from written_days
    where rv_30d is not null

),

rv_ranks as (

    -- the mid-rank counts of each written day's rv_30d among the 365 rows before it
    select
        written_days.symbol,
        written_days.day_i,
        count(*) as baseline_values,
        sum(
            case
                when
                    rv_baseline.rv_30d < written_days.rv_30d
                    and not {{ profiles_equal('rv_baseline.rv_30d', 'written_days.rv_30d', 1) }} then 1
                else 0
            end
        ) as below_values,
        sum(
            case when {{ profiles_equal('rv_baseline.rv_30d', 'written_days.rv_30d', 1) }} then 1 else 0 end
        ) as equal_values
    from written_days
    inner join rv_baseline
        on
            written_days.symbol = rv_baseline.symbol
            and rv_baseline.day_i between written_days.day_i - 365 and written_days.day_i - 1
    where written_days.rv_30d is not null
    group by written_days.symbol, written_days.day_i

),

measures as (

    select
        written_days.symbol,
        written_days.candle_at,
        written_days.close,
        case
            when written_days.day_i >= 7 then 100 * (written_days.close / written_days.close_7d_back - 1)
        end
            as roc_7d,
        case
            when written_days.day_i >= 30 then 100 * (written_days.close / written_days.close_30d_back - 1)
        end as roc_30d,
        case
            when written_days.day_i >= 90 then 100 * (written_days.close / written_days.close_90d_back - 1)
        end as roc_90d,
        written_days.rv_30d,
        written_days.rv_90d,
        case
            when return_moments.m2_90d > 0
                then return_moments.m3_90d / power(return_moments.m2_90d, 1.5)
        end as skew_90d,
        case
            when return_moments.m2_90d > 0
                then return_moments.m4_90d / (return_moments.m2_90d * return_moments.m2_90d) - 3
        end as kurtosis_90d,
        written_days.sma_50,
        written_days.sma_200,
        written_days.adx_14,
        written_days.plus_di_14,
        written_days.minus_di_14,
        written_days.natr_14,
        case
            when written_days.sma_50 is null or written_days.sma_200 is null then null
            when {{ profiles_equal('written_days.sma_50', 'written_days.sma_200') }} then 0
            when written_days.sma_50 > written_days.sma_200 then 1
            else -1
        end as ma_trend,
        (written_days.sma_50 - written_days.sma_50_20d_back) / nullif(written_days.sma_50_20d_back, 0)
            as sma_50_slope_20d,
        case
            when written_days.sma_50_days_30d = 30
                then {{ cast_double('written_days.above_sma_50_days_30d') }} / 30
        end as above_sma_50_share_30d,
        case
            when written_days.day_i >= 49 then {{ cast_double('written_days.new_high_days_30d') }} / 30
        end as new_high_20d_share_30d,
        case
            when written_days.day_i >= 49 then {{ cast_double('written_days.new_low_days_30d') }} / 30
        end as new_low_20d_share_30d,
        case
            when written_days.day_i >= 89 then written_days.close / written_days.high_max_90d - 1
        end as drawdown_90d,
        case
            when rv_ranks.baseline_values >= {{ catalog.min_rv_baseline_values }}
                then
                    100 * {{ cast_double('rv_ranks.below_values + 0.5 * rv_ranks.equal_values') }}
                    / rv_ranks.baseline_values
        end as rv_30d_pctile_365d
    from written_days
    left join return_moments
        on
            written_days.symbol = return_moments.symbol
            and written_days.day_i = return_moments.day_i
    left join rv_ranks
        on
            written_days.symbol = rv_ranks.symbol
            and written_days.day_i = rv_ranks.day_i

),

final as (

    select
        {{ cast_string('symbol') }} as symbol,
        {{ cast_date('candle_at') }} as regime_date,
        {{ cast_double('close') }} as close,
        {{ cast_double('roc_7d') }} as roc_7d,
        {{ cast_double('roc_30d') }} as roc_30d,
        {{ cast_double('roc_90d') }} as roc_90d,
        {{ cast_double('rv_30d') }} as rv_30d,
        {{ cast_double('rv_90d') }} as rv_90d,
        {{ cast_double('skew_90d') }} as skew_90d,
        {{ cast_double('kurtosis_90d') }} as kurtosis_90d,
        {{ cast_double('sma_50') }} as sma_50,
        {{ cast_double('sma_200') }} as sma_200,
        {{ cast_double('adx_14') }} as adx_14,
        {{ cast_double('plus_di_14') }} as plus_di_14,
        {{ cast_double('minus_di_14') }} as minus_di_14,
        {{ cast_double('natr_14') }} as natr_14,
        {{ cast_bigint('ma_trend') }} as ma_trend,
        {{ cast_double('sma_50_slope_20d') }} as sma_50_slope_20d,
        {{ cast_double('above_sma_50_share_30d') }} as above_sma_50_share_30d,
        {{ cast_double('new_high_20d_share_30d') }} as new_high_20d_share_30d,
        {{ cast_double('new_low_20d_share_30d') }} as new_low_20d_share_30d,
        {{ cast_double('drawdown_90d') }} as drawdown_90d,
        {{ cast_double('rv_30d_pctile_365d') }} as rv_30d_pctile_365d,
        {{ cast_string(
            "case
                when adx_14 is null or ma_trend is null then null
                when rv_30d_pctile_365d >= " ~ catalog.high_vol_pctile ~ " then 'high_vol'
                when adx_14 >= " ~ catalog.trend_adx ~ " and plus_di_14 > minus_di_14 and ma_trend = 1
                    then 'trend_up'
                when adx_14 >= " ~ catalog.trend_adx ~ " and minus_di_14 > plus_di_14 and ma_trend = -1
                    then 'trend_down'
                when adx_14 < " ~ catalog.range_adx ~ " then 'range'
                else 'transition'
            end", 16) }} as regime
    from measures

)

{{ data_pipeline.regime_table_rows('final') }}
