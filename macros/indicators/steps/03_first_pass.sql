{#- Step 3: the first pass of the recursions (indicators_first_recursions: the EMAs, MACD's fast
    EMA, RSI's averages, ATR, the DM and TR sums, OBV), all in one window pass over step inputs,
    seeded from step first_seeds. -#}
{% macro indicators_step_first_pass(stage) -%}
    {{ return(data_pipeline.indicators_pass_query(stage, 'inputs', 'first_seeds', 'first')) }}
{%- endmacro %}

{#- A pass of recursions over step `source` (steps 3 and 6): each recursion's running sum within its
    block, weighted relative to the block's start; `which` is 'first' or 'second' (indicators_recursions),
    `seeds` the step the recursions are seeded from. -#}
{% macro indicators_pass_query(stage, source, seeds, which) -%}
    {%- set recursions = data_pipeline.indicators_recursions(which, source, 'plan', 'seeds') -%}
    with

    {{ source }} as (

        select * from {{ stage[source] }}

    ),

    plan as (

        select * from {{ stage['plan'] }}

    ),

    seeds as (

        select * from {{ stage[seeds] }}

    ),

    final as (

        select
            {{ source }}.symbol_key,
            {{ source }}.i,
            {{ source }}.blk,
            {{ source }}.o,
            {{ data_pipeline.indicators_block_sums(recursions, source) | indent(12) }}
        from {{ source }}
        inner join plan on {{ source }}.symbol_key = plan.symbol_key
        inner join seeds on {{ source }}.symbol_key = seeds.symbol_key
        window blocks as (
            partition by {{ source }}.symbol_key, {{ source }}.blk order by {{ source }}.i
            rows between unbounded preceding and current row
        )

    )

    select * from final
{%- endmacro %}


{#- Step 3a, first_seeds: one row per symbol, the windows of its first rows the first pass's
    recursions are seeded with (indicators_first_seed_windows). A step table of its own: MySQL reads
    a temporary table once per statement. -#}
{% macro indicators_step_first_seeds(stage) -%}
    {{ return(data_pipeline.indicators_seeds_step(stage, 'inputs', data_pipeline.indicators_first_seed_windows())) }}
{%- endmacro %}

{#- A seeds step (3a and 6a): one row per symbol of step `source`, each of `windows` aggregated. -#}
{% macro indicators_seeds_step(stage, source, windows) -%}
    with

    {{ source }} as (

        select * from {{ stage[source] }}

    ),

    final as (

        {{ data_pipeline.indicators_seeds_query(windows, source) | indent(8) }}

    )

    select * from final
{%- endmacro %}
