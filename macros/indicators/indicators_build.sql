{#- The query of indicators_<interval> (../shared/spec/candles-and-indicators.md, "Indicators"):
    the rewritten rows of the pre-hook's step tables, each column NULL below TA-Lib's lookback
    (the index of its first value). A continuing symbol's rewritten rows all lie past index 199,
    so its masks never apply. -#}
{% macro indicators_build(interval) -%}
    {%- if not data_pipeline.indicators_enabled(interval) -%}
        {{ return(data_pipeline.indicators_not_built()) }}
    {%- endif -%}
    {%- set stage = data_pipeline.indicators_stage_tables(data_pipeline.indicators_temporary()) -%}
    {%- set columns = [] -%}
    {%- for name, lookback, expression in data_pipeline.indicators_columns() -%}
        {%- do columns.append(data_pipeline.cast_double('case when inputs.i >= ' ~ lookback ~ ' then ' ~ expression
            ~ ' end') ~ ' as ' ~ name) -%}
    {%- endfor -%}
    with

    inputs as (

        select * from {{ stage['inputs'] }}

    ),

    first_values as (

        select * from {{ stage['first_values'] }}

    ),

    second_values as (

        select * from {{ stage['second_values'] }}

    ),

    range_windows as (

        select * from {{ stage['range_windows'] }}

    ),

    commodity_channel as (

        select * from {{ stage['commodity_channel'] }}

    ),

    money_flow_windows as (

        select * from {{ stage['money_flow_windows'] }}

    ),

    final as (

        select
            {{ data_pipeline.cast_string('inputs.symbol') }} as symbol,
            {{ data_pipeline.cast_timestamp('inputs.candle_at') }} as candle_at,
            inputs.is_complete,
            {{ data_pipeline.cast_double('inputs.close') }} as close,
            {{ columns | join(',\n') | indent(12) }}
        from inputs
        inner join first_values on inputs.symbol_key = first_values.symbol_key and inputs.i = first_values.i
        inner join second_values on inputs.symbol_key = second_values.symbol_key and inputs.i = second_values.i
        inner join range_windows on inputs.symbol_key = range_windows.symbol_key and inputs.i = range_windows.i
        inner join commodity_channel
            on inputs.symbol_key = commodity_channel.symbol_key and inputs.i = commodity_channel.i
        inner join money_flow_windows
            on inputs.symbol_key = money_flow_windows.symbol_key and inputs.i = money_flow_windows.i
        where inputs.write_from_at is null or inputs.candle_at >= inputs.write_from_at

    )

    {{ data_pipeline.indicators_rows(interval, 'final') }}
{%- endmacro %}

{#- What the model's query returns, from its `final` CTE (the rewritten rows): those rows, which
    dbt's delete+insert puts in place of the stored ones with their keys. -#}
{% macro indicators_rows(interval, final) -%}
    {{ return(adapter.dispatch('indicators_rows', 'data_pipeline')(interval, final)) }}
{%- endmacro %}
{% macro default__indicators_rows(interval, final) -%}
    {{ data_pipeline.rows_in_key_order(final, ['symbol', 'candle_at']) }}
{%- endmacro %}
{#- Spark overwrites the partitions the rewritten rows touch (macros/candles/candles_partitions.sql):
    a stored row the plan rewrites (from its symbol's write_from_at on, every row of a rebuilt
    symbol) is replaced, the others are carried over. Only the partitions from the earliest
    write_from_at on can be touched, unless a symbol is rebuilt from its first candle. -#}
{% macro spark__indicators_rows(interval, final) -%}
    {%- set plan = data_pipeline.indicators_stage('plan') -%}
    {%- set partition = data_pipeline.candles_partition_column(interval) -%}
    {#- the plan is written by the pre-hook, after this query is compiled: a scalar subquery, which
        Spark evaluates before it lists the partitions to read -#}
    {%- set earliest -%}
        (select case when count(*) = count(write_from_at) then
            min({{ data_pipeline.candles_partition_value(interval, 'write_from_at') }}) end from {{ plan }})
    {%- endset -%}
    {{ data_pipeline.candles_partition_rows(
        interval, final,
        '(plan.symbol is not null and (plan.write_from_at is null or stored_rows.candle_at >= plan.write_from_at))',
        plan_table=plan,
        prune='stored_rows.' ~ partition ~ " >= coalesce(" ~ earliest ~ ", date '1970-01-01')") }}
{%- endmacro %}

{#- The indicator columns after close, in the table's order: (name, TA-Lib's lookback, value). The
    last five are the recursions' state that no visible column holds (an incremental run
    continues from them). -#}
{% macro indicators_columns() -%}
    {%- set gain, loss = 'first_values.rsi_avg_gain_14', 'first_values.rsi_avg_loss_14' -%}
    {{ return([
        ('sma_20', 19, 'inputs.close_mean_20'),
        ('sma_50', 49, 'inputs.close_mean_50'),
        ('sma_200', 199, 'inputs.close_mean_200'),
        ('ema_12', 11, 'first_values.ema_12'),
        ('ema_26', 25, 'first_values.ema_26'),
        ('ema_50', 49, 'first_values.ema_50'),
        ('ema_200', 199, 'first_values.ema_200'),
        ('macd', 33, 'first_values.macd_line'),
        ('macd_signal', 33, 'second_values.macd_signal'),
        ('macd_hist', 33, 'first_values.macd_line - second_values.macd_signal'),
        ('rsi_14', 14, 'case when ' ~ gain ~ ' + ' ~ loss ~ ' > 0 then 100 * (' ~ gain ~ ' / (' ~ gain ~ ' + ' ~ loss
            ~ ')) else 0 end'),
        ('stoch_k', 17, 'range_windows.stoch_k'),
        ('stoch_d', 17, 'range_windows.stoch_d'),
        ('willr_14', 13, 'range_windows.willr_14'),
        ('cci_20', 19, 'commodity_channel.cci_20'),
        ('mfi_14', 14, 'money_flow_windows.mfi_14'),
        ('roc_10', 10, 'range_windows.roc_10'),
        ('atr_14', 14, 'first_values.atr_14'),
        ('natr_14', 14, 'case when inputs.close <> 0 then first_values.atr_14 / inputs.close * 100 else 0 end'),
        ('plus_di_14', 14, 'first_values.plus_di'),
        ('minus_di_14', 14, 'first_values.minus_di'),
        ('adx_14', 27, 'second_values.adx_14'),
        ('bb_upper_20', 19, 'range_windows.bb_upper_20'),
        ('bb_middle_20', 19, 'inputs.close_mean_20'),
        ('bb_lower_20', 19, 'range_windows.bb_lower_20'),
        ('obv', 0, 'first_values.obv'),
        ('realized_vol_20', 20, 'range_windows.realized_vol_20'),
        ('parkinson_vol_20', 19, 'range_windows.parkinson_vol_20'),
        ('garman_klass_vol_20', 19, 'range_windows.garman_klass_vol_20'),
        ('rogers_satchell_vol_20', 19, 'range_windows.rogers_satchell_vol_20'),
        ('yang_zhang_vol_20', 20, 'range_windows.yang_zhang_vol_20'),
        ('rsi_avg_gain_14', 14, gain),
        ('rsi_avg_loss_14', 14, loss),
        ('plus_dm_sum_14', 14, 'first_values.plus_dm_sum_14'),
        ('minus_dm_sum_14', 14, 'first_values.minus_dm_sum_14'),
        ('tr_sum_14', 14, 'first_values.tr_sum_14'),
    ]) }}
{%- endmacro %}

{#- The empty view of an interval that var indicator_intervals does not list: the columns, no rows. -#}
{% macro indicators_not_built() -%}
    {%- set columns = [] -%}
    {%- for name, lookback, expression in data_pipeline.indicators_columns() -%}
        {%- do columns.append(data_pipeline.cast_double('null') ~ ' as ' ~ name) -%}
    {%- endfor -%}
    select
        {{ data_pipeline.cast_string('null') }} as symbol,
        {{ data_pipeline.cast_timestamp('null') }} as candle_at,
        {{ data_pipeline.cast_boolean('1 = 0') }} as is_complete,
        {{ data_pipeline.cast_double('null') }} as close,
        {{ columns | join(',\n') | indent(8) }}
    where 1 = 0
{%- endmacro %}
