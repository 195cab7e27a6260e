{#- Step 6: the second pass of the recursions (indicators_second_recursions: the MACD signal and
    ADX, which read the first pass's values), in one window pass as step 3, from the second_seeds
    step. -#}
{% macro indicators_step_second_pass() -%}
    {%- set recursions = data_pipeline.indicators_second_recursions('first_values', 'plan', 'seeds') -%}
    with

    first_values as (

        select * from {{ data_pipeline.indicators_stage('first_values') }}

    ),

    plan as (

        select * from {{ data_pipeline.indicators_stage('plan') }}

    ),

    seeds as (

        select * from {{ data_pipeline.indicators_stage('second_seeds') }}

    ),

    final as (

        select
            first_values.symbol_key,
            first_values.i,
            first_values.blk,
            first_values.o,
            {{ data_pipeline.indicators_block_sums(recursions, 'first_values') | indent(12) }}
        from first_values
        inner join plan on first_values.symbol_key = plan.symbol_key
        inner join seeds on first_values.symbol_key = seeds.symbol_key
        window blocks as (
            partition by first_values.symbol_key, first_values.blk order by first_values.i
            rows between unbounded preceding and current row
        )

    )

    select * from final
{%- endmacro %}


{#- Step 6a, second_seeds: the same as step 3a for the second pass (indicators_second_seed_windows). -#}
{% macro indicators_step_second_seeds() -%}
    with

    first_values as (

        select * from {{ data_pipeline.indicators_stage('first_values') }}

    ),

    final as (

        {{ data_pipeline.indicators_seeds_query(data_pipeline.indicators_second_seed_windows(), 'first_values')
           | indent(8) }}

    )

    select * from final
{%- endmacro %}
