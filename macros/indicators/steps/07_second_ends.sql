{#- Step 7: the second-pass recursions at the end of every block, as step 4. -#}
{% macro indicators_step_second_ends() -%}
    {%- set recursions = data_pipeline.indicators_second_recursions('first_values', 'plan', 'seeds') -%}
    with

    second_pass as (

        select * from {{ data_pipeline.indicators_stage('second_pass') }}

    ),

    final as (

        select
            second_pass.symbol_key,
            second_pass.blk,
            {{ data_pipeline.indicators_block_ends(recursions, 'second_pass') | indent(12) }}
        from second_pass
        where second_pass.o = {{ data_pipeline.indicators_block_size() - 1 }}
        window block_order as (partition by second_pass.symbol_key order by second_pass.blk)

    )

    select * from final
{%- endmacro %}
