{#- Step 4: the value of each first-pass recursion at the end of every block (one row per block):
    the block's own running sum plus the earlier blocks' ends, decayed. -#}
{% macro indicators_step_first_ends(stage) -%}
    {{ return(data_pipeline.indicators_ends_query(stage, 'first_pass', 'first')) }}
{%- endmacro %}

{#- The block ends of step `<which>_pass` (steps 4 and 7), one row per block, of its recursions
    (indicators_recursions; only their names and r are read here). -#}
{% macro indicators_ends_query(stage, pass, which) -%}
    {%- set recursions = data_pipeline.indicators_recursions(which, pass, 'plan', 'seeds') -%}
    with

    {{ pass }} as (

        select * from {{ stage[pass] }}

    ),

    final as (

        select
            {{ pass }}.symbol_key,
            {{ pass }}.blk,
            {{ data_pipeline.indicators_block_ends(recursions, pass) | indent(12) }}
        from {{ pass }}
        where {{ pass }}.o = {{ data_pipeline.indicators_block_size() - 1 }}
        window block_order as (partition by {{ pass }}.symbol_key order by {{ pass }}.blk)

    )

    select * from final
{%- endmacro %}
