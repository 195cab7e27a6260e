{#- Step 6: the second pass of the recursions (indicators_second_recursions: the MACD signal and
    ADX, which read the first pass's values), in one window pass as step 3. -#}
{% macro indicators_step_second_pass() -%}
    {%- set recursions = data_pipeline.indicators_second_recursions('first_values', 'plan') -%}
    with

    first_values as (

        select * from {{ data_pipeline.indicators_stage('first_values') }}

    ),

    plan as (

        select * from {{ data_pipeline.indicators_stage('plan') }}

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
        window blocks as (
            partition by first_values.symbol_key, first_values.blk order by first_values.i
            rows between unbounded preceding and current row
        )

    )

    select * from final
{%- endmacro %}
