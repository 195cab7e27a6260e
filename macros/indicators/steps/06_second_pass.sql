{#- Step 6: the second pass of the recursions (indicators_second_recursions: the MACD signal and
    ADX, which read the first pass's values), in one window pass over step first_values as step 3,
    seeded from step second_seeds. -#}
{% macro indicators_step_second_pass() -%}
    {{ return(data_pipeline.indicators_pass_query('first_values', 'second_seeds', 'second')) }}
{%- endmacro %}


{#- Step 6a, second_seeds: the same as step 3a for the second pass (indicators_second_seed_windows). -#}
{% macro indicators_step_second_seeds() -%}
    {{ return(data_pipeline.indicators_seeds_step('first_values', data_pipeline.indicators_second_seed_windows())) }}
{%- endmacro %}
