{#- Step 5: the first-pass values (a block's running sum plus the previous block's end, carried
    in), then what the second pass reads: the MACD line (from candle 25, where both EMAs are
    seeded), +DI and -DI (0 when the TR sum is 0, as TA-Lib) and DX (undefined when the TR sum or
    the DI sum is 0). -#}
{% macro indicators_step_first_values(stage) -%}
    with

    {{ data_pipeline.indicators_carried_ctes(stage, 'first') }},

    directional as (

        select
            carried.*,
            case when carried.i >= 25 then carried.macd_fast - carried.ema_26 end as macd_line,
            case
                when carried.tr_sum_14 <> 0 then 100 * (carried.plus_dm_sum_14 / carried.tr_sum_14) else 0
            end as plus_di,
            case
                when carried.tr_sum_14 <> 0 then 100 * (carried.minus_dm_sum_14 / carried.tr_sum_14) else 0
            end as minus_di
        from carried

    ),

    with_dx as (

        select
            directional.*,
            case
                when directional.tr_sum_14 <> 0 and directional.plus_di + directional.minus_di <> 0
                    then 100 * (
                        abs(directional.minus_di - directional.plus_di) / (directional.minus_di + directional.plus_di)
                    )
            end as dx
        from directional

    ),

    final as (

        select * from with_dx

    )

    select * from final
{%- endmacro %}

{#- The CTEs of a values step (5 and 8), ending in `carried`: each recursion of pass `which` (its
    running sum within the block, step <which>_pass) plus the previous block's end (<which>_ends),
    carried in. -#}
{% macro indicators_carried_ctes(stage, which) -%}
    {%- set pass, ends = which ~ '_pass', which ~ '_ends' -%}
    {%- set recursions = data_pipeline.indicators_recursions(which, pass, 'plan', 'seeds') -%}
    {{ pass }} as (

        select * from {{ stage[pass] }}

    ),

    {{ ends }} as (

        select * from {{ stage[ends] }}

    ),

    carried as (

        select
            {{ pass }}.symbol_key,
            {{ pass }}.i,
            {{ pass }}.blk,
            {{ pass }}.o,
            {{ data_pipeline.indicators_carried(recursions, pass, ends) | indent(12) }}
        from {{ pass }}
        left join {{ ends }}
            on {{ pass }}.symbol_key = {{ ends }}.symbol_key and {{ pass }}.blk - 1 = {{ ends }}.blk

    )
{%- endmacro %}
