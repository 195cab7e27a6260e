{#- Step 3: the first pass of the recursions (indicators_first_recursions: the EMAs, MACD's fast
    EMA, RSI's averages, ATR, the DM and TR sums, OBV), all in one window pass: each one's running
    sum within its block, weighted relative to the block's start. -#}
{% macro indicators_step_first_pass() -%}
    {%- set recursions = data_pipeline.indicators_first_recursions('inputs', 'plan') -%}
    with

    inputs as (

        select * from {{ data_pipeline.indicators_stage('inputs') }}

    ),

    plan as (

        select * from {{ data_pipeline.indicators_stage('plan') }}

    ),

    final as (

        select
            inputs.symbol_key,
            inputs.i,
            inputs.blk,
            inputs.o,
            {{ data_pipeline.indicators_block_sums(recursions, 'inputs') | indent(12) }}
        from inputs
        inner join plan on inputs.symbol_key = plan.symbol_key
        window blocks as (
            partition by inputs.symbol_key, inputs.blk order by inputs.i
            rows between unbounded preceding and current row
        )

    )

    select * from final
{%- endmacro %}
