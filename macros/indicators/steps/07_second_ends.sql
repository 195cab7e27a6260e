{#- Step 7: the second-pass recursions at the end of every block, as step 4. -#}
{% macro indicators_step_second_ends(stage) -%}
    {{ return(data_pipeline.indicators_ends_query(stage, 'second_pass', 'second')) }}
{%- endmacro %}
