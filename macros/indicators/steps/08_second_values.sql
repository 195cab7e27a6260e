{#- Step 8: the second-pass values (macd_signal, adx_14), as step 5. -#}
{% macro indicators_step_second_values() -%}
    {%- set recursions = data_pipeline.indicators_second_recursions('first_values', 'plan', 'seeds') -%}
    with

    second_pass as (

        select * from {{ data_pipeline.indicators_stage('second_pass') }}

    ),

    second_ends as (

        select * from {{ data_pipeline.indicators_stage('second_ends') }}

    ),

    final as (

        select
            second_pass.symbol_key,
            second_pass.i,
            {{ data_pipeline.indicators_carried(recursions, 'second_pass', 'second_ends') | indent(12) }}
        from second_pass
        left join second_ends
            on second_pass.symbol_key = second_ends.symbol_key and second_pass.blk - 1 = second_ends.blk

    )

    select * from final
{%- endmacro %}
