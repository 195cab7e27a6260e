{#- Step 1 of indicators_<interval> (driver: indicators_prepare in indicators_run.sql): the plan,
    one row per symbol (indicators_plan.sql says what its columns mean), with symbol_key, the
    number the other step tables are keyed on (a short integer key sorts and joins faster than the
    symbol itself: about a fifth of a window step on MariaDB). A full build rebuilds
    every symbol of the candles. An incremental run continues a symbol from the stored row of the
    candle before its first rewritten one: the state of every recursion, read from the visible
    columns where TA-Lib's state is one (ema_26, atr_14, obv, ...; MACD's fast EMA is macd +
    ema_26) and from the stored state columns otherwise (RSI's averages, the DM and TR sums). -#}
{% macro indicators_step_plan(interval) -%}
    {%- set step = data_pipeline.indicators_plan_incremental if is_incremental()
        else data_pipeline.indicators_plan_full -%}
    {{ return(step(ref('candles_' ~ interval), data_pipeline.indicators_start(interval, 'newest_stored.newest_at'))) }}
{%- endmacro %}

{#- A full build: every symbol of the candles, from its first candle. -#}
{% macro indicators_plan_full(candles, start) -%}
    select
        candle_symbols.symbol,
        {{ data_pipeline.cast_bigint('row_number() over (order by candle_symbols.symbol)') }} as symbol_key,
        {{ data_pipeline.cast_timestamp('null') }} as read_from_at,
        {{ data_pipeline.cast_timestamp('null') }} as write_from_at,
        {{ data_pipeline.cast_timestamp('null') }} as state_at,
        {{ data_pipeline.cast_bigint('null') }} as state_i,
        {{ data_pipeline.indicators_state_items('null') | indent(8) }}
    from (
        select candles.symbol
        from {{ candles }} as candles
        group by candles.symbol
    ) as candle_symbols
{%- endmacro %}

{#- An incremental run: `start` is the first rewritten candle, an expression of newest_stored. -#}
{% macro indicators_plan_incremental(candles, start) -%}
    with

    candle_symbols as (

        select candles.symbol
        from {{ candles }} as candles
        group by candles.symbol

    ),

    newest_stored as (

        select
            stored_rows.symbol,
            max(stored_rows.candle_at) as newest_at
        from {{ this }} as stored_rows
        group by stored_rows.symbol

    ),

    starts as (

        select
            newest_stored.symbol,
            {{ start }} as start_at
        from newest_stored

    ),

    -- symbols with 200 stored rows before their start: the first of them and the last (the state)
    bounds as (

        {{ data_pipeline.indicators_history_bounds('starts') }}

    ),

    -- a symbol gone from the candles keeps its plan row: its rewritten rows are deleted
    symbols as (

        select candle_symbols.symbol from candle_symbols
        union distinct
        select newest_stored.symbol from newest_stored

    ),

    final as (

        select
            symbols.symbol,
            {{ data_pipeline.cast_bigint('row_number() over (order by symbols.symbol)') }} as symbol_key,
            bounds.read_from_at,
            case when bounds.symbol is not null then starts.start_at end as write_from_at,
            bounds.state_at,
            case when bounds.symbol is not null then {{ data_pipeline.indicators_state_row() }} end as state_i,
            {{ data_pipeline.indicators_state_items() | indent(12) }}
        from symbols
        left join starts on symbols.symbol = starts.symbol
        left join bounds on symbols.symbol = bounds.symbol
        left join {{ this }} as state_rows
            on bounds.symbol = state_rows.symbol and bounds.state_at = state_rows.candle_at

    )

    select * from final
{%- endmacro %}

{#- The state of each recursion at a stored row (`state_rows`): name -> expression. -#}
{% macro indicators_state_columns() -%}
    {%- set names = ['ema_12', 'ema_26', 'ema_50', 'ema_200', 'macd_fast', 'macd_signal', 'rsi_avg_gain_14',
                     'rsi_avg_loss_14', 'atr_14', 'plus_dm_sum_14', 'minus_dm_sum_14', 'tr_sum_14', 'adx_14', 'obv'] -%}
    {%- set out = {} -%}
    {%- for name in names -%}
        {%- do out.update({name: 'state_rows.macd + state_rows.ema_26' if name == 'macd_fast'
                                 else 'state_rows.' ~ name}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- Select-list items: state_<name> for every recursion, as a double: its value at the stored row
    state_rows, or `value` for all. -#}
{% macro indicators_state_items(value=none) -%}
    {%- set items = [] -%}
    {%- for name, expression in data_pipeline.indicators_state_columns().items() -%}
        {%- do items.append(data_pipeline.cast_double(expression if value is none else value) ~ ' as state_' ~ name) -%}
    {%- endfor -%}
    {{ return(items | join(',\n')) }}
{%- endmacro %}

{#- Per symbol of `starts` (symbol, start_at) with at least 200 stored rows before start_at: the
    candle_at of the 200th before it (read_from_at) and of the last (state_at). ANSI: a window
    over the stored rows before the start. MySQL/MariaDB: two index dives per symbol (ORDER BY
    ... DESC LIMIT on the primary key), so an incremental run does not read the history. -#}
{% macro indicators_history_bounds(starts) -%}
    {{ return(adapter.dispatch('indicators_history_bounds', 'data_pipeline')(starts)) }}
{%- endmacro %}
{% macro default__indicators_history_bounds(starts) -%}
    select
        before_start.symbol,
        min(before_start.candle_at) as read_from_at,
        max(before_start.candle_at) as state_at
    from (
        select
            stored_rows.symbol,
            stored_rows.candle_at,
            row_number() over (partition by stored_rows.symbol order by stored_rows.candle_at desc) as candles_back
        from {{ this }} as stored_rows
        inner join {{ starts }}
            on stored_rows.symbol = {{ starts }}.symbol and stored_rows.candle_at < {{ starts }}.start_at
    ) as before_start
    where before_start.candles_back <= {{ data_pipeline.indicators_history_candles() }}
    group by before_start.symbol
    having count(*) = {{ data_pipeline.indicators_history_candles() }}
{%- endmacro %}
{% macro mysql__indicators_history_bounds(starts) -%}
    {%- set before_start -%}
        from {{ this }} as stored_rows
        where stored_rows.symbol = {{ starts }}.symbol and stored_rows.candle_at < {{ starts }}.start_at
        order by stored_rows.candle_at desc
    {%- endset -%}
    select dives.symbol, dives.read_from_at, dives.state_at
    from (
        select
            {{ starts }}.symbol,
            (select stored_rows.candle_at {{ before_start }}
                limit 1 offset {{ data_pipeline.indicators_state_row() }}) as read_from_at,
            (select stored_rows.candle_at {{ before_start }} limit 1) as state_at
        from {{ starts }}
    ) as dives
    where dives.read_from_at is not null
{%- endmacro %}
{% macro mariadb__indicators_history_bounds(starts) -%}
    {{ data_pipeline.mysql__indicators_history_bounds(starts) }}
{%- endmacro %}
