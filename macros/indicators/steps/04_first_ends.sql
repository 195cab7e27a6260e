{#- Step 4: the value of each first-pass recursion at the end of every block (one row per block):
    the block's own running sum plus the earlier blocks' ends, decayed. -#}
{% macro indicators_step_first_ends() -%}
    {%- set recursions = data_pipeline.indicators_first_recursions('inputs', 'plan', 'seeds') -%}
    with

    first_pass as (

        select * from {{ data_pipeline.indicators_stage('first_pass') }}

    ),

    final as (

        select
            first_pass.symbol_key,
            first_pass.blk,
            {{ data_pipeline.indicators_block_ends(recursions, 'first_pass') | indent(12) }}
        from first_pass
        where first_pass.o = {{ data_pipeline.indicators_block_size() - 1 }}
        window block_order as (partition by first_pass.symbol_key order by first_pass.blk)

    )

    select * from final
{%- endmacro %}
