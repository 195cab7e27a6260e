{#- Step 9: the window indicators of each candle read (STOCH, WILLR, CCI, MFI, ROC, the Bollinger
    bands, the five range-based volatility estimators), with TA-Lib's rules for flat windows.
    Where a rule compares with 0 (CCI's deviation and mean deviation, MFI's money flow), the
    window is summed term by term from lag(): MariaDB's moving SUM and AVG add the entering row
    and subtract the leaving one, and a residue of the largest value that ever passed stays
    (1e10 then zeros leaves 1.2e-6), where TA-Lib's sum of a flat window is exactly 0. -#}
{% macro indicators_step_windows() -%}
    {%- set d = data_pipeline.indicators_double -%}
    {%- set k = 0.34 / (1.34 + 21 / 19) -%}
    {%- set tp_back, up_back, down_back, means, lags = [], [], [], [], [] -%}
    {%- for n in range(1, 20) -%}
        {%- do tp_back.append('windowed.typical_price_' ~ n ~ '_back') -%}
        {%- do lags.append('lag(flows.typical_price, ' ~ n ~ ') over symbol_order as typical_price_' ~ n ~ '_back') -%}
    {%- endfor -%}
    {%- for n in range(1, 14) -%}
        {%- do up_back.append('windowed.flow_up_' ~ n ~ '_back') -%}
        {%- do down_back.append('windowed.flow_down_' ~ n ~ '_back') -%}
        {%- do lags.append('lag(flows.flow_up, ' ~ n ~ ') over symbol_order as flow_up_' ~ n ~ '_back') -%}
        {%- do lags.append('lag(flows.flow_down, ' ~ n ~ ') over symbol_order as flow_down_' ~ n ~ '_back') -%}
    {%- endfor -%}
    {%- for term in ['parkinson_term', 'garman_klass_term', 'rogers_satchell_term'] -%}
        {%- do means.append('case when sum(case when flows.' ~ term ~ ' <> 0 then 1 else 0 end) over last_20 = 0 then 0'
            ~ ' else avg(flows.' ~ term ~ ') over last_20 end as ' ~ term ~ '_mean_20') -%}
    {%- endfor -%}
    {%- set deviations = [] -%}
    {%- for price in ['oscillators.typical_price'] + tp_back | map('replace', 'windowed.', 'oscillators.') | list -%}
        {%- do deviations.append('abs(' ~ price ~ ' - oscillators.typical_price_mean_20)') -%}
    {%- endfor -%}
    with

    inputs as (

        select * from {{ data_pipeline.indicators_stage('inputs') }}

    ),

    -- per candle: the typical price (h + l + c) / 3 (TA-Lib's CCI and MFI), and whether every
    -- price is positive (the volatility estimators are NULL otherwise)
    candle_terms as (

        select
            inputs.symbol,
            inputs.i,
            inputs.open,
            inputs.high,
            inputs.low,
            inputs.close,
            inputs.prev_close,
            inputs.volume,
            inputs.close_mean_20,
            (inputs.high + inputs.low + inputs.close) / 3 as typical_price,
            (inputs.prev_high + inputs.prev_low + inputs.prev_close) / 3 as prev_typical_price,
            case
                when inputs.open > 0 and inputs.high > 0 and inputs.low > 0 and inputs.close > 0 then 1 else 0
            end as prices_positive
        from inputs

    ),

    -- the log ranges of the volatility estimators
    log_terms as (

        select
            candle_terms.*,
            case when candle_terms.prices_positive = 1 then ln(candle_terms.high / candle_terms.low) end
                as log_high_low,
            case when candle_terms.prices_positive = 1 then ln(candle_terms.close / candle_terms.open) end
                as log_close_open,
            case
                when candle_terms.prices_positive = 1
                    then
                        ln(candle_terms.high / candle_terms.close) * ln(candle_terms.high / candle_terms.open)
                        + ln(candle_terms.low / candle_terms.close) * ln(candle_terms.low / candle_terms.open)
            end as rogers_satchell_term,
            case
                when candle_terms.prices_positive = 1 and candle_terms.prev_close > 0
                    then ln(candle_terms.close / candle_terms.prev_close)
            end as log_return,
            case
                when candle_terms.prices_positive = 1 and candle_terms.prev_close > 0
                    then ln(candle_terms.open / candle_terms.prev_close)
            end as log_overnight
        from candle_terms

    ),

    -- TA-Lib's MFI: the money flow tp * volume goes up on a rise of the typical price, down on a
    -- fall, and nowhere on a move within 1e-14 of the prices; Parkinson's and Garman-Klass' terms
    flows as (

        select
            log_terms.*,
            case
                when
                    abs(log_terms.typical_price - log_terms.prev_typical_price)
                    > 1e-14 * (abs(log_terms.typical_price) + abs(log_terms.prev_typical_price))
                    and log_terms.typical_price > log_terms.prev_typical_price
                    then log_terms.typical_price * log_terms.volume
                else 0
            end as flow_up,
            case
                when
                    abs(log_terms.typical_price - log_terms.prev_typical_price)
                    > 1e-14 * (abs(log_terms.typical_price) + abs(log_terms.prev_typical_price))
                    and log_terms.typical_price < log_terms.prev_typical_price
                    then log_terms.typical_price * log_terms.volume
                else 0
            end as flow_down,
            -- 4 ln 2 and 2 ln 2 - 1
            log_terms.log_high_low * log_terms.log_high_low / {{ d(4 * 0.6931471805599453) }} as parkinson_term,
            (
                5e-1 * log_terms.log_high_low * log_terms.log_high_low
                - {{ d(2 * 0.6931471805599453 - 1) }} * log_terms.log_close_open * log_terms.log_close_open
            ) as garman_klass_term
        from log_terms

    ),

    windowed as (

        select
            flows.symbol,
            flows.i,
            flows.close,
            flows.close_mean_20,
            flows.typical_price,
            flows.flow_up,
            flows.flow_down,
            stddev_pop(flows.close) over last_20 as close_sd_20,
            {{ data_pipeline.indicators_window_extremes('flows', 'symbol_order') | indent(12) }},
            lag(flows.close, 10) over symbol_order as close_10_back,
            {{ lags | join(',\n') | indent(12) }},
            sum(flows.prices_positive) over last_20 as positive_candles_20,
            count(flows.log_return) over last_20 as log_returns_20,
            -- moving means, guarded: a window of zero terms is 0 (see the header)
            {{ means | join(',\n') | indent(12) }},
            stddev_samp(flows.log_return) over last_20 as log_return_sd_20,
            var_samp(flows.log_overnight) over last_20 as log_overnight_var_20,
            var_samp(flows.log_close_open) over last_20 as log_close_open_var_20
        from flows
        window
            symbol_order as (partition by flows.symbol order by flows.i),
            last_20 as (partition by flows.symbol order by flows.i rows 19 preceding)

    ),

    -- CCI's mean of the 20 typical prices, fast %K, Williams %R (0 on a flat window), MFI's sums
    oscillators as (

        select
            windowed.*,
            ({{ (['windowed.typical_price'] + tp_back) | join(' + ') }}) / 20 as typical_price_mean_20,
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
            {{ (['windowed.flow_up'] + up_back) | join(' + ') }} as flow_up_14,
            {{ (['windowed.flow_down'] + down_back) | join(' + ') }} as flow_down_14
        from windowed

    ),

    deviations as (

        select
            oscillators.*,
            ({{ deviations | join(' + ') }}) / 20 as typical_price_mad_20,
            lag(oscillators.fast_k, 1) over symbol_order as fast_k_1_back,
            lag(oscillators.fast_k, 2) over symbol_order as fast_k_2_back,
            lag(oscillators.fast_k, 3) over symbol_order as fast_k_3_back,
            lag(oscillators.fast_k, 4) over symbol_order as fast_k_4_back
        from oscillators
        window symbol_order as (partition by oscillators.symbol order by oscillators.i)

    ),

    final as (

        select
            deviations.symbol,
            deviations.i,
            -- STOCH: slow %K = SMA 3 of fast %K, slow %D = SMA 3 of slow %K
            (deviations.fast_k + deviations.fast_k_1_back + deviations.fast_k_2_back) / 3 as stoch_k,
            (
                (deviations.fast_k + deviations.fast_k_1_back + deviations.fast_k_2_back) / 3
                + (deviations.fast_k_1_back + deviations.fast_k_2_back + deviations.fast_k_3_back) / 3
                + (deviations.fast_k_2_back + deviations.fast_k_3_back + deviations.fast_k_4_back) / 3
            ) / 3 as stoch_d,
            deviations.willr_14,
            -- CCI is 0 where the deviation or the mean deviation is within 1e-14 of the mean
            case
                when
                    abs(deviations.typical_price - deviations.typical_price_mean_20)
                    > 1e-14 * abs(deviations.typical_price_mean_20)
                    and abs(deviations.typical_price_mad_20) > 1e-14 * abs(deviations.typical_price_mean_20)
                    then
                        (deviations.typical_price - deviations.typical_price_mean_20)
                        / (1.5e-2 * deviations.typical_price_mad_20)
                else 0
            end as cci_20,
            case
                when deviations.flow_up_14 + deviations.flow_down_14 <= 0 then 0
                else 100 * (deviations.flow_up_14 / (deviations.flow_up_14 + deviations.flow_down_14))
            end as mfi_14,
            case
                when deviations.close_10_back <> 0 then (deviations.close / deviations.close_10_back - 1) * 100
                else 0
            end as roc_10,
            deviations.close_mean_20 + 2 * deviations.close_sd_20 as bb_upper_20,
            deviations.close_mean_20 - 2 * deviations.close_sd_20 as bb_lower_20,
            -- the volatility estimators: NULL unless the window's 20 candles (and the closes before
            -- them, for the two that read one) have positive prices
            case
                when deviations.positive_candles_20 = 20 then sqrt(greatest(deviations.parkinson_term_mean_20, 0))
            end as parkinson_vol_20,
            case
                when deviations.positive_candles_20 = 20 and deviations.garman_klass_term_mean_20 >= 0
                    then sqrt(deviations.garman_klass_term_mean_20)
            end as garman_klass_vol_20,
            case
                when deviations.positive_candles_20 = 20
                    then sqrt(greatest(deviations.rogers_satchell_term_mean_20, 0))
            end as rogers_satchell_vol_20,
            case
                when deviations.positive_candles_20 = 20 and deviations.log_returns_20 = 20
                    then deviations.log_return_sd_20
            end as realized_vol_20,
            -- Yang-Zhang: var_o + k var_c + (1 - k) rs, k = 0.34 / (1.34 + (n + 1) / (n - 1)), n = 20
            case
                when
                    deviations.positive_candles_20 = 20 and deviations.log_returns_20 = 20
                    and deviations.log_overnight_var_20 + {{ d(k) }} * deviations.log_close_open_var_20
                    + {{ d(1 - k) }} * deviations.rogers_satchell_term_mean_20 >= 0
                    then sqrt(
                        deviations.log_overnight_var_20 + {{ d(k) }} * deviations.log_close_open_var_20
                        + {{ d(1 - k) }} * deviations.rogers_satchell_term_mean_20
                    )
            end as yang_zhang_vol_20
        from deviations

    )

    select * from final
{%- endmacro %}

{#- Select-list items: the highest high and lowest low of the 14 candles ending at each row. -#}
{% macro indicators_window_extremes(rows, window) -%}
    {{ return(adapter.dispatch('indicators_window_extremes', 'data_pipeline')(rows, window)) }}
{%- endmacro %}
{% macro default__indicators_window_extremes(rows, window) -%}
    max({{ rows }}.high) over ({{ window }} rows 13 preceding) as high_max_14,
    min({{ rows }}.low) over ({{ window }} rows 13 preceding) as low_min_14
{%- endmacro %}
