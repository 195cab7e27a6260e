{#- Step 12: TA-Lib's CCI(20): (tp - mean) / (0.015 x the mean deviation) over step 11's 20 typical
    prices, 0 where the deviation or the mean deviation is within 1e-14 of the mean. -#}
{% macro indicators_step_commodity_channel(stage) -%}
    {%- set deviations = [] -%}
    {%- for n in range(0, 20) -%}
        {%- set price = 'typical_price_windows.typical_price' ~ ('' if n == 0 else '_' ~ n ~ '_back') -%}
        {%- do deviations.append('abs(' ~ price ~ ' - typical_price_windows.typical_price_mean_20)') -%}
    {%- endfor -%}
    with

    typical_price_windows as (

        select * from {{ stage['typical_price_windows'] }}

    ),

    spreads as (

        select
            typical_price_windows.symbol_key,
            typical_price_windows.i,
            typical_price_windows.typical_price,
            typical_price_windows.typical_price_mean_20,
            ({{ deviations | join(' + ') }}) / 20 as typical_price_mad_20
        from typical_price_windows

    ),

    final as (

        select
            spreads.symbol_key,
            spreads.i,
            case
                when
                    abs(spreads.typical_price - spreads.typical_price_mean_20)
                    > 1e-14 * abs(spreads.typical_price_mean_20)
                    and spreads.typical_price_mad_20 > 1e-14 * abs(spreads.typical_price_mean_20)
                    then
                        (spreads.typical_price - spreads.typical_price_mean_20)
                        / (1.5e-2 * spreads.typical_price_mad_20)
                else 0
            end as cci_20
        from spreads

    )

    select * from final
{%- endmacro %}
