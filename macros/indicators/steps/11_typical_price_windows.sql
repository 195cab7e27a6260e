{#- Step 11: CCI's window: the 20 typical prices ending at each candle (step 9's tp and 19 lags) and
    their mean, summed term by term as TA-Lib re-sums its ring of 20: MariaDB's moving AVG keeps a
    residue of prices that have left, which on a flat window after a crash is past CCI's 1e-14
    band (docs/indicators.md, "The windows"). The mean is stored for step 12: a mean computed in
    the same statement is inlined into each of the 20 deviations on MariaDB. -#}
{% macro indicators_step_typical_price_windows(stage) -%}
    {%- set back, lags = [], [] -%}
    {%- for n in range(1, 20) -%}
        {%- do back.append('typical_prices.typical_price_' ~ n ~ '_back') -%}
        {%- do lags.append('lag(candle_terms.typical_price, ' ~ n ~ ') over symbol_order as typical_price_' ~ n
            ~ '_back') -%}
    {%- endfor -%}
    with

    candle_terms as (

        select * from {{ stage['candle_terms'] }}

    ),

    typical_prices as (

        select
            candle_terms.symbol_key,
            candle_terms.i,
            candle_terms.typical_price,
            {{ lags | join(',\n') | indent(12) }}
        from candle_terms
        window symbol_order as (partition by candle_terms.symbol_key order by candle_terms.i)

    ),

    final as (

        select
            typical_prices.*,
            ({{ (['typical_prices.typical_price'] + back) | join(' + ') }}) / 20 as typical_price_mean_20
        from typical_prices

    )

    select * from final
{%- endmacro %}
