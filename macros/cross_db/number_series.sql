{#- 0..n-1 as column i (the caller filters past n), from cross joins of the digits 0-9, one per
    decimal place (portable; no recursion limits). -#}
{% macro number_series(n) -%}
    {%- set places = ((n | int) - 1) | string | length -%}
    {%- set terms = [] -%}
    {%- for place in range(places) -%}{%- do terms.append('d' ~ place ~ '.i * ' ~ 10 ** place) -%}{%- endfor -%}
    with digits as (
        select 0 as i
        union all
        select 1
        union all
        select 2
        union all
        select 3
        union all
        select 4
        union all
        select 5
        union all
        select 6
        union all
        select 7
        union all
        select 8
        union all
        select 9
    )

    select {{ terms | join(' + ') }} as i
    from
        digits as d0
        {%- for place in range(1, places) %}
        cross join digits as d{{ place }}
        {%- endfor %}
{%- endmacro %}
