{#- Step 10: the indicators of each candle's high-low range and close over a window: STOCH, WILLR
    (0 on a flat window), ROC, the Bollinger bands, and the five range-based volatility estimators,
    from step 9's terms. -#}
{% macro indicators_step_range_windows(stage) -%}
    {%- set d = data_pipeline.indicators_double -%}
    {%- set k = 0.34 / (1.34 + 21 / 19) -%}
    {%- set means = [] -%}
    {%- for term in ['parkinson_term', 'garman_klass_term', 'rogers_satchell_term'] -%}
        {%- do means.append('case when sum(case when candle_terms.' ~ term ~ ' <> 0 then 1 else 0 end) over last_20 = 0'
            ~ ' then 0 else avg(candle_terms.' ~ term ~ ') over last_20 end as ' ~ term ~ '_mean_20') -%}
    {%- endfor -%}
    with

    candle_terms as (

        select * from {{ stage['candle_terms'] }}

    ),

    -- the moving means are guarded: a window of zero terms is 0, where MariaDB's moving AVG would
    -- keep a residue of the terms that have left (docs/indicators.md, "The windows")
    windowed as (

        select
            candle_terms.symbol_key,
            candle_terms.i,
            candle_terms.close,
            candle_terms.close_mean_20,
            stddev_pop(candle_terms.close) over last_20 as close_sd_20,
            {{ data_pipeline.indicators_window_extremes('candle_terms', 'symbol_order') | indent(12) }},
            lag(candle_terms.close, 10) over symbol_order as close_10_back,
            sum(candle_terms.prices_positive) over last_20 as positive_candles_20,
            count(candle_terms.log_return) over last_20 as log_returns_20,
            {{ means | join(',\n') | indent(12) }},
            stddev_samp(candle_terms.log_return) over last_20 as log_return_sd_20,
            var_samp(candle_terms.log_overnight) over last_20 as log_overnight_var_20,
            var_samp(candle_terms.log_close_open) over last_20 as log_close_open_var_20
        from candle_terms
        window
            symbol_order as (partition by candle_terms.symbol_key order by candle_terms.i),
            last_20 as (partition by candle_terms.symbol_key order by candle_terms.i rows 19 preceding)

    ),

    -- every value but STOCH's smoothing, which needs fast %K of the candles before
    ranges as (

        select
            windowed.symbol_key,
            windowed.i,
            -- fast %K and Williams %R: 0 on a flat window
            case
                when
                    abs(windowed.high_max_14 - windowed.low_min_14)
                    <= 1e-14 * (abs(windowed.high_max_14) + abs(windowed.low_min_14))
                    then 0
                else (windowed.close - windowed.low_min_14) / ((windowed.high_max_14 - windowed.low_min_14) / 100)
            end as fast_k,
            case
                when
                    abs(windowed.high_max_14 - windowed.low_min_14)
                    <= 1e-14 * (abs(windowed.high_max_14) + abs(windowed.low_min_14))
                    then 0
                else (windowed.high_max_14 - windowed.close) / ((windowed.high_max_14 - windowed.low_min_14) / -100)
            end as willr_14,
            case
                when windowed.close_10_back <> 0 then (windowed.close / windowed.close_10_back - 1) * 100
                else 0
            end as roc_10,
            windowed.close_mean_20 + 2 * windowed.close_sd_20 as bb_upper_20,
            windowed.close_mean_20 - 2 * windowed.close_sd_20 as bb_lower_20,
            -- NULL unless the window's 20 candles (and the closes before them, for the two that
            -- read one) have positive prices
            case
                when windowed.positive_candles_20 = 20 then sqrt(greatest(windowed.parkinson_term_mean_20, 0))
            end as parkinson_vol_20,
            case
                when windowed.positive_candles_20 = 20 and windowed.garman_klass_term_mean_20 >= 0
                    then sqrt(windowed.garman_klass_term_mean_20)
            end as garman_klass_vol_20,
            case
                when windowed.positive_candles_20 = 20 then sqrt(greatest(windowed.rogers_satchell_term_mean_20, 0))
            end as rogers_satchell_vol_20,
            case
                when windowed.positive_candles_20 = 20 and windowed.log_returns_20 = 20 then windowed.log_return_sd_20
            end as realized_vol_20,
            -- Yang-Zhang: var_o + k var_c + (1 - k) rs, k = 0.34 / (1.34 + (n + 1) / (n - 1)), n = 20
            case
                when
                    windowed.positive_candles_20 = 20 and windowed.log_returns_20 = 20
                    and windowed.log_overnight_var_20 + {{ d(k) }} * windowed.log_close_open_var_20
                    + {{ d(1 - k) }} * windowed.rogers_satchell_term_mean_20 >= 0
                    then sqrt(
                        windowed.log_overnight_var_20 + {{ d(k) }} * windowed.log_close_open_var_20
                        + {{ d(1 - k) }} * windowed.rogers_satchell_term_mean_20
                    )
            end as yang_zhang_vol_20
        from windowed

    ),

    smoothed as (

        select
            ranges.*,
            lag(ranges.fast_k, 1) over symbol_order as fast_k_1_back,
            lag(ranges.fast_k, 2) over symbol_order as fast_k_2_back,
            lag(ranges.fast_k, 3) over symbol_order as fast_k_3_back,
            lag(ranges.fast_k, 4) over symbol_order as fast_k_4_back
        from ranges
        window symbol_order as (partition by ranges.symbol_key order by ranges.i)

    ),

    -- STOCH: slow %K = SMA 3 of fast %K, slow %D = SMA 3 of slow %K
    final as (

        select
            smoothed.symbol_key,
            smoothed.i,
            (smoothed.fast_k + smoothed.fast_k_1_back + smoothed.fast_k_2_back) / 3 as stoch_k,
            (
                (smoothed.fast_k + smoothed.fast_k_1_back + smoothed.fast_k_2_back) / 3
                + (smoothed.fast_k_1_back + smoothed.fast_k_2_back + smoothed.fast_k_3_back) / 3
                + (smoothed.fast_k_2_back + smoothed.fast_k_3_back + smoothed.fast_k_4_back) / 3
            ) / 3 as stoch_d,
            smoothed.willr_14,
            smoothed.roc_10,
            smoothed.bb_upper_20,
            smoothed.bb_lower_20,
            smoothed.parkinson_vol_20,
            smoothed.garman_klass_vol_20,
            smoothed.rogers_satchell_vol_20,
            smoothed.realized_vol_20,
            smoothed.yang_zhang_vol_20
        from smoothed

    )

    select * from final
{%- endmacro %}

{#- Select-list items: the highest high and lowest low of the 14 candles ending at each row of `rows`, over
    the step tables' (symbol_key, i). The frame is written out in full, not added to a named window, which
    Spark cannot do. -#}
{% macro indicators_window_extremes(rows, window) -%}
    {%- set last_14 = 'partition by ' ~ rows ~ '.symbol_key order by ' ~ rows ~ '.i rows 13 preceding' -%}
    max({{ rows }}.high) over ({{ last_14 }}) as high_max_14,
    min({{ rows }}.low) over ({{ last_14 }}) as low_min_14
{%- endmacro %}
