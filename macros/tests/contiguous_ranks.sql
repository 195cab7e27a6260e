{#- Ranks within each partition are exactly 1..N with no gap and no repeat.
    Returns the partitions that break it. -#}
{% test contiguous_ranks(model, column_name, partition_by=[]) %}
    {%- set keys = partition_by | join(', ') %}
    select
        {% if keys %}{{ keys }},{% endif %}
        count(*) as n_rows,
        count(distinct {{ column_name }}) as n_distinct,
        min({{ column_name }}) as min_rank,
        max({{ column_name }}) as max_rank
    from {{ model }}
    {% if keys %}group by {{ keys }}{% endif %}
    having
        min({{ column_name }}) <> 1
        or max({{ column_name }}) <> count(*)
        or count(distinct {{ column_name }}) <> count(*)
{% endtest %}
