{#- Fails for every row where a floating-point column holds NaN, an infinity, or a value past
    +-1e300 (MySQL/MariaDB cannot store inf; a value that large is an overflow on its way there).
    Every float column of the relation is checked unless `columns` names some. NULL passes: it is
    how the models say "undefined". -#}
{% test finite_values(model, columns=none) %}
    {%- if columns is none -%}
        {%- set columns = [] -%}
        {%- if execute -%}
            {%- for column in adapter.get_columns_in_relation(model) if column.is_float() -%}
                {%- do columns.append(column.name) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif %}
    select *
    from {{ model }}
    where
        {%- for column in columns %}
        {% if not loop.first %}or {% endif %}({{ column }} is not null and not ({{ column }} between -1e300 and 1e300))
        {%- else %}
        1 = 0
        {%- endfor %}
{% endtest %}
