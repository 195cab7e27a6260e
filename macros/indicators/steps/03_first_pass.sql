{#- Step 3: the first pass of the recursions (indicators_first_recursions: the EMAs, MACD's fast
    EMA, RSI's averages, ATR, the DM and TR sums, OBV), all in one window pass: each one's running
    sum within its block, weighted relative to the block's start, from the first_seeds step. -#}
{% macro indicators_step_first_pass() -%}
    {%- set recursions = data_pipeline.indicators_first_recursions('inputs', 'plan', 'seeds') -%}
    with

    inputs as (

        select * from {{ data_pipeline.indicators_stage('inputs') }}

    ),

    plan as (

        select * from {{ data_pipeline.indicators_stage('plan') }}

    ),

    seeds as (

        select * from {{ data_pipeline.indicators_stage('first_seeds') }}

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
        inner join seeds on inputs.symbol_key = seeds.symbol_key
        window blocks as (
            partition by inputs.symbol_key, inputs.blk order by inputs.i
            rows between unbounded preceding and current row
        )

    )

    select * from final
{%- endmacro %}


{#- Step 3a, first_seeds: one row per symbol, the windows of its first rows the first pass's
    recursions are seeded with (indicators_first_seed_windows). A step table of its own: MySQL reads
    a temporary table once per statement. -#}
{% macro indicators_step_first_seeds() -%}
    with

    inputs as (

        select * from {{ data_pipeline.indicators_stage('inputs') }}

    ),

    final as (

        {{ data_pipeline.indicators_seeds_query(data_pipeline.indicators_first_seed_windows(), 'inputs') | indent(8) }}

    )

    select * from final
{%- endmacro %}
