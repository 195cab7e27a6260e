{#- Step 13: TA-Lib's MFI(14) from step 9's money flows: 100 x up / (up + down) over the 14 moves
    ending at each candle, 0 when the window holds no flow. The sums are term by term from lag():
    TA-Lib resets its running sums after 14 candles without flow, and MariaDB's moving SUM would
    keep a residue of a volume spike that has left (docs/indicators.md, "The windows"). -#}
{% macro indicators_step_money_flow_windows(stage) -%}
    {%- set up, down = ['money_flows.flow_up'], ['money_flows.flow_down'] -%}
    {%- for n in range(1, 14) -%}
        {%- do up.append('lag(money_flows.flow_up, ' ~ n ~ ') over symbol_order') -%}
        {%- do down.append('lag(money_flows.flow_down, ' ~ n ~ ') over symbol_order') -%}
    {%- endfor -%}
    with

    money_flows as (

        select * from {{ stage['candle_terms'] }}

    ),

    flow_sums as (

        select
            money_flows.symbol_key,
            money_flows.i,
            {{ up | join(' + ') }} as flow_up_14,
            {{ down | join(' + ') }} as flow_down_14
        from money_flows
        window symbol_order as (partition by money_flows.symbol_key order by money_flows.i)

    ),

    final as (

        select
            flow_sums.symbol_key,
            flow_sums.i,
            case
                when flow_sums.flow_up_14 + flow_sums.flow_down_14 <= 0 then 0
                else 100 * (flow_sums.flow_up_14 / (flow_sums.flow_up_14 + flow_sums.flow_down_14))
            end as mfi_14
        from flow_sums

    )

    select * from final
{%- endmacro %}
