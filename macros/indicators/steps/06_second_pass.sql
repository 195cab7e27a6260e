{#- Step 6: the second pass of the recursions (indicators_second_recursions: the MACD signal and
    ADX, which read the first pass's values), in one window pass over step first_values as step 3,
    seeded from step second_seeds. -#}
{% macro indicators_step_second_pass(stage) -%}
    {{ return(data_pipeline.indicators_pass_query(stage, 'first_values', 'second_seeds', 'second')) }}
{%- endmacro %}


{#- Step 6a, second_seeds: the same as step 3a for the second pass (indicators_second_seed_windows). -#}
{% macro indicators_step_second_seeds(stage) -%}
    {%- set windows = data_pipeline.indicators_second_seed_windows() -%}
    {{ return(data_pipeline.indicators_seeds_step(stage, 'first_values', windows)) }}
{%- endmacro %}
