{#- The query of candles_<interval> (../shared/spec/candles-and-indicators.md, "Candles"): the
    source rows of the plan (minute bars, or the candles of the largest finer interval that divides
    this one), grouped into epoch-aligned candles. From finer candles: volume, trades and
    bar_count add, and close x volume is recovered as vwap x volume (0 where the volume is 0). -#}
{% macro candles_build(interval) -%}
    {%- if not data_pipeline.candles_enabled(interval) -%}
        {{ return(data_pipeline.candles_not_built()) }}
    {%- endif -%}
    {%- set seconds = data_pipeline.candle_interval_seconds()[interval] -%}
    {%- set source, time_column = data_pipeline.candles_source(interval) -%}
    {%- set plan = data_pipeline.candles_plan(interval) -%}
    {%- set from_bars = time_column == 'bar_at' -%}
    with

    source_rows as (

        select
            symbol,
            {{ data_pipeline.epoch_seconds(time_column) }} as row_epoch,
            open,
            high,
            low,
            close,
            volume,
            trades,
            {% if from_bars -%}
            1 as bar_count,
            close * volume as close_volume
            {%- else -%}
            bar_count,
            coalesce(vwap * volume, 0) as close_volume
            {%- endif %}
        from {{ source }}
        where {{ data_pipeline.candles_source_filter(plan, time_column) }}

    ),

    bucketed as (

        select
            source_rows.*,
            {{ data_pipeline.int_div('row_epoch', seconds) }} * {{ seconds }} as candle_epoch
        from source_rows

    ),

    grouped as (

        {{ data_pipeline.candles_grouped('bucketed') }}

    ),

    final as (

        select
            {{ data_pipeline.cast_string('symbol') }} as symbol,
            {{ data_pipeline.cast_timestamp(data_pipeline.from_epoch_seconds('candle_epoch')) }} as candle_at,
            {{ data_pipeline.cast_double('open') }} as open,
            {{ data_pipeline.cast_double('high') }} as high,
            {{ data_pipeline.cast_double('low') }} as low,
            {{ data_pipeline.cast_double('close') }} as close,
            {{ data_pipeline.cast_double('volume') }} as volume,
            {{ data_pipeline.cast_bigint('trades') }} as trades,
            {{ data_pipeline.cast_double(data_pipeline.safe_divide('close_volume', 'volume')) }} as vwap,
            {{ data_pipeline.cast_bigint('bar_count') }} as bar_count,
            {{ data_pipeline.cast_boolean('candle_epoch + ' ~ seconds ~ ' <= '
                ~ data_pipeline.epoch_seconds(data_pipeline.utc_now())) }} as is_complete
        from grouped
        where {{ data_pipeline.candles_in_plan(plan) }}

    )

    {{ data_pipeline.candles_rows(interval, plan, 'final') }}
{%- endmacro %}

{#- What the model's query returns, from its `final` CTE (the rebuilt candles): those rows, which
    dbt's delete+insert puts in place of the stored ones with their keys. -#}
{% macro candles_rows(interval, plan, final) -%}
    {{ return(adapter.dispatch('candles_rows', 'data_pipeline')(interval, plan, final)) }}
{%- endmacro %}
{% macro default__candles_rows(interval, plan, final) -%}
    {{ data_pipeline.rows_in_key_order(final, ['symbol', 'candle_at']) }}
{%- endmacro %}
{#- Spark overwrites the partitions the rebuilt candles touch (candles_partitions.sql): the stored
    candles the plan rebuilds are replaced, the others carried over. Only the partitions from the
    earliest start on can be touched, unless a new symbol brings its whole history. -#}
{% macro spark__candles_rows(interval, plan, final) -%}
    {%- set prune = '(1 = 1)' -%}
    {%- if plan.starts and not plan.new -%}
        {%- set prune = 'stored_rows.' ~ data_pipeline.candles_partition_column(interval) ~ ' >= '
            ~ data_pipeline.candles_partition_literal(interval, plan.starts.values() | min) -%}
    {%- endif -%}
    {%- set rewritten = data_pipeline.candles_in_plan(plan, 'stored_rows.symbol',
                                                      data_pipeline.epoch_seconds('stored_rows.candle_at')) -%}
    {{ data_pipeline.candles_partition_rows(interval, final, rewritten, prune=prune) }}
{%- endmacro %}

{#- One row per (symbol, candle_epoch) of `rows`: the open of its first row and the close of its
    last (by row_epoch), extremes, sums. ANSI: first_value / last_value over the candle, then a
    group. DuckDB: arg_min / arg_max in the one aggregate. -#}
{% macro candles_grouped(rows) -%}
    {{ return(adapter.dispatch('candles_grouped', 'data_pipeline')(rows)) }}
{%- endmacro %}
{% macro default__candles_grouped(rows) -%}
    select
        ordered_rows.symbol,
        ordered_rows.candle_epoch,
        max(ordered_rows.first_open) as open,
        max(ordered_rows.high) as high,
        min(ordered_rows.low) as low,
        max(ordered_rows.last_close) as close,
        sum(ordered_rows.volume) as volume,
        sum(ordered_rows.trades) as trades,
        sum(ordered_rows.close_volume) as close_volume,
        sum(ordered_rows.bar_count) as bar_count
    from (
        select
            candle_rows.*,
            first_value(candle_rows.open) over (
                partition by candle_rows.symbol, candle_rows.candle_epoch order by candle_rows.row_epoch
                rows between unbounded preceding and unbounded following
            ) as first_open,
            last_value(candle_rows.close) over (
                partition by candle_rows.symbol, candle_rows.candle_epoch order by candle_rows.row_epoch
                rows between unbounded preceding and unbounded following
            ) as last_close
        from {{ rows }} as candle_rows
    ) as ordered_rows
    group by ordered_rows.symbol, ordered_rows.candle_epoch
{%- endmacro %}
{% macro duckdb__candles_grouped(rows) -%}
    select
        symbol,
        candle_epoch,
        arg_min(open, row_epoch) as open,
        max(high) as high,
        min(low) as low,
        arg_max(close, row_epoch) as close,
        sum(volume) as volume,
        sum(trades) as trades,
        sum(close_volume) as close_volume,
        sum(bar_count) as bar_count
    from {{ rows }}
    group by symbol, candle_epoch
{%- endmacro %}

{#- The empty view of an interval that var candle_intervals does not list: the columns, no rows. -#}
{% macro candles_not_built() -%}
    select
        {{ data_pipeline.cast_string('null') }} as symbol,
        {{ data_pipeline.cast_timestamp('null') }} as candle_at,
        {{ data_pipeline.cast_double('null') }} as open,
        {{ data_pipeline.cast_double('null') }} as high,
        {{ data_pipeline.cast_double('null') }} as low,
        {{ data_pipeline.cast_double('null') }} as close,
        {{ data_pipeline.cast_double('null') }} as volume,
        {{ data_pipeline.cast_bigint('null') }} as trades,
        {{ data_pipeline.cast_double('null') }} as vwap,
        {{ data_pipeline.cast_bigint('null') }} as bar_count,
        {{ data_pipeline.cast_boolean('1 = 0') }} as is_complete
    where 1 = 0
{%- endmacro %}
