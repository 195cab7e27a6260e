{#- Ranks within each partition are exactly 1..N with no gap and no repeat (rows where the rank
    is NULL are ignored, as are rows failing `where_clause`; `quote_column` for a name like rank).
    Returns the partitions that break it. -#}
{% test contiguous_ranks(model, column_name, partition_by=[], where_clause=none, quote_column=false) %}
    {%- set column_name = adapter.quote(column_name) if quote_column else column_name %}
    {%- set keys = partition_by | join(', ') %}
    select
        {% if keys %}{{ keys }},{% endif %}
        count(*) as n_rows,
        count(distinct {{ column_name }}) as n_distinct,
        min({{ column_name }}) as min_rank,
        max({{ column_name }}) as max_rank
    from {{ model }}
    where
        {{ column_name }} is not null
        {%- if where_clause %} and ({{ where_clause }}){% endif %}
    {% if keys %}group by {{ keys }}{% endif %}
    having
        min({{ column_name }}) <> 1
        or max({{ column_name }}) <> count(*)
        or count(distinct {{ column_name }}) <> count(*)
{% endtest %}
