{#- Step 9: the per-candle terms of the window indicators, stored once: the typical price
    (h + l + c) / 3 (CCI); the money flow tp x volume by direction (MFI: up on a rise of the
    typical price, down on a fall, nowhere on a move within 1e-14 of the prices); the log ranges
    of the volatility estimators, NULL unless every price they read is positive. Steps 10-12 read
    them as stored columns: MariaDB evaluates a window function's argument again at every row it
    reads, so a lag() of an expression costs as much as the expression times the lag
    (docs/indicators.md, "The windows"). -#}
{% macro indicators_step_candle_terms(stage) -%}
    {%- set d = data_pipeline.indicators_double -%}
    with

    inputs as (

        select * from {{ stage['inputs'] }}

    ),

    candle_flags as (

        select
            inputs.symbol_key,
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

    candle_logs as (

        select
            candle_flags.*,
            case when candle_flags.prices_positive = 1 then ln(candle_flags.high / candle_flags.low) end
                as log_high_low,
            case when candle_flags.prices_positive = 1 then ln(candle_flags.close / candle_flags.open) end
                as log_close_open,
            case
                when candle_flags.prices_positive = 1
                    then
                        ln(candle_flags.high / candle_flags.close) * ln(candle_flags.high / candle_flags.open)
                        + ln(candle_flags.low / candle_flags.close) * ln(candle_flags.low / candle_flags.open)
            end as rogers_satchell_term,
            case
                when candle_flags.prices_positive = 1 and candle_flags.prev_close > 0
                    then ln(candle_flags.close / candle_flags.prev_close)
            end as log_return,
            case
                when candle_flags.prices_positive = 1 and candle_flags.prev_close > 0
                    then ln(candle_flags.open / candle_flags.prev_close)
            end as log_overnight
        from candle_flags

    ),

    final as (

        select
            candle_logs.symbol_key,
            candle_logs.i,
            candle_logs.high,
            candle_logs.low,
            candle_logs.close,
            candle_logs.close_mean_20,
            candle_logs.typical_price,
            case
                when
                    abs(candle_logs.typical_price - candle_logs.prev_typical_price)
                    > 1e-14 * (abs(candle_logs.typical_price) + abs(candle_logs.prev_typical_price))
                    and candle_logs.typical_price > candle_logs.prev_typical_price
                    then candle_logs.typical_price * candle_logs.volume
                else 0
            end as flow_up,
            case
                when
                    abs(candle_logs.typical_price - candle_logs.prev_typical_price)
                    > 1e-14 * (abs(candle_logs.typical_price) + abs(candle_logs.prev_typical_price))
                    and candle_logs.typical_price < candle_logs.prev_typical_price
                    then candle_logs.typical_price * candle_logs.volume
                else 0
            end as flow_down,
            candle_logs.prices_positive,
            -- Parkinson's and Garman-Klass' terms (4 ln 2 and 2 ln 2 - 1)
            candle_logs.log_high_low * candle_logs.log_high_low / {{ d(4 * 0.6931471805599453) }} as parkinson_term,
            (
                5e-1 * candle_logs.log_high_low * candle_logs.log_high_low
                - {{ d(2 * 0.6931471805599453 - 1) }} * candle_logs.log_close_open * candle_logs.log_close_open
            ) as garman_klass_term,
            candle_logs.rogers_satchell_term,
            candle_logs.log_return,
            candle_logs.log_overnight,
            candle_logs.log_close_open
        from candle_logs

    )

    select * from final
{%- endmacro %}
