{#- Step 8: the second-pass values (macd_signal, adx_14), as step 5. -#}
{% macro indicators_step_second_values(stage) -%}
    with

    {{ data_pipeline.indicators_carried_ctes(stage, 'second') }},

    final as (

        select * from carried

    )

    select * from final
{%- endmacro %}
