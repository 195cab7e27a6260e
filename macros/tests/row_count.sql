{#- Fails (one row) unless the relation holds exactly `expected` rows: the grain of a one-row relation. -#}
{% test row_count(model, expected) %}
    select count(*) as n_rows
    from {{ model }}
    having count(*) <> {{ expected }}
{% endtest %}
