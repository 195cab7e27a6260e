{#- Step 2: the candles a run reads, numbered per symbol (i = 0 at the first candle read), with
    the moves TA-Lib's recursions read (the close change, the true range, +DM/-DM, gain and loss),
    the block of the recursions (blk, o: the offset in it), and the means over 20, 50 and 200 closes
    (sma_20/50/200). The recursions' seeds are read in step 3 (indicators_first_seed_windows).
    `read_filter` keeps the plan's rows (indicators_rows_from). Each moving frame is a named window of its
    own, on every engine: Spark cannot add a frame to a named window (`over (w rows 11 preceding)` is a
    syntax error there). -#}
{% macro indicators_step_inputs(stage, interval, read_filter) -%}
    {%- set b = data_pipeline.indicators_block_size() -%}
    {%- set block = data_pipeline.int_div('directional.i', b) -%}
    with

    plan as (

        select * from {{ stage['plan'] }}

    ),

    candle_rows as (

        select
            candles.symbol,
            candles.candle_at,
            candles.is_complete,
            candles.open,
            candles.high,
            candles.low,
            candles.close,
            candles.volume
        from {{ ref('candles_' ~ interval) }} as candles

    ),

    numbered as (

        select
            candle_rows.*,
            plan.symbol_key,
            plan.write_from_at,
            row_number() over symbol_order - 1 as i,
            lag(candle_rows.close) over symbol_order as prev_close,
            lag(candle_rows.high) over symbol_order as prev_high,
            lag(candle_rows.low) over symbol_order as prev_low
        from candle_rows
        {{ data_pipeline.leading_join() }} plan on candle_rows.symbol = plan.symbol
        where {{ read_filter }}
        window symbol_order as (partition by plan.symbol_key order by candle_rows.candle_at)

    ),

    -- TA-Lib's true range: high - low, or the previous close's distance to the high or low if larger
    moves as (

        select
            numbered.*,
            numbered.close - numbered.prev_close as close_change,
            case
                when numbered.i > 0 then greatest(
                    numbered.high - numbered.low,
                    abs(numbered.prev_close - numbered.high),
                    abs(numbered.prev_close - numbered.low)
                )
            end as true_range,
            numbered.high - numbered.prev_high as up_move,
            numbered.prev_low - numbered.low as down_move
        from numbered

    ),

    -- +DM where the up-move is positive and larger, -DM the mirror; a tie gives both 0
    directional as (

        select
            moves.*,
            case when moves.up_move > 0 and moves.up_move > moves.down_move then moves.up_move else 0 end as plus_dm,
            case
                when moves.down_move > 0 and moves.up_move < moves.down_move then moves.down_move else 0
            end as minus_dm,
            case when moves.close_change > 0 then moves.close_change else 0 end as gain,
            case when moves.close_change < 0 then -moves.close_change else 0 end as loss
        from moves

    ),

    final as (

        select
            directional.*,
            {{ block }} as blk,
            directional.i - {{ block }} * {{ b }} as o,
            avg(directional.close) over last_20 as close_mean_20,
            avg(directional.close) over last_50 as close_mean_50,
            avg(directional.close) over last_200 as close_mean_200
        from directional
        window
            last_20 as (partition by directional.symbol_key order by directional.i rows 19 preceding),
            last_50 as (partition by directional.symbol_key order by directional.i rows 49 preceding),
            last_200 as (partition by directional.symbol_key order by directional.i rows 199 preceding)

    )

    select * from final
{%- endmacro %}
