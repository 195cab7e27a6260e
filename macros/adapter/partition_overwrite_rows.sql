{#- Spark: the rows an insert overwrite of an incremental model writes, from the run's rows (`final`), for
    every table that replaces rows there (the candles and indicators, int_bars_6h, symbol_regime_daily;
    docs/scale.md, "Partitioning"). Parquet has no DELETE (MERGE needs Delta or Iceberg), so a run rewrites
    every partition it touches whole. A full build writes the run's rows with their partition. An
    incremental run writes each touched partition (one the run writes a row into, or holding a stored row
    it rewrites) whole: the run's rows `kept` selects plus the stored rows it does not rewrite, which keeps
    the other symbols' rows and each symbol's rows before its start. A touched partition left with no row
    at all (its bars were removed) cannot be emptied by an overwrite: it gets one tombstone, a row of the
    partition with the columns of `tombstone` (name -> SQL value) set, and the model's post-hook drops it.
    - `partition_column`, `partition_value`: the partition column and its value for a row, as SQL with `{row}`
      standing for the row's alias;
    - `rewritten`: a predicate on the stored row `stored_rows` (and the joins `stored_joins` add);
    - `prune`: one on its partition column that lets Spark skip the partitions no run row can touch.
    Spark refuses to overwrite a table it reads unless the overwrite is dynamic, as dbt-spark's is: the
    new files are written aside and swapped in when the job commits. -#}
{% macro partition_overwrite_rows(final, partition_column, partition_value, rewritten, kept='(1 = 1)', tombstone={},
                                  stored_joins='', prune='(1 = 1)') -%}
    {%- if not (execute and is_incremental()) -%}
        select
            run_rows.*,
            {{ partition_value | replace('{row}', 'run_rows') }} as {{ partition_column }}
        from {{ final }} as run_rows
    {%- else -%}
        {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- set values = names | reject('equalto', partition_column) | list -%}
        {%- set outputs = [] -%}
        {%- for name in names -%}
            {%- do outputs.append('case when marked.is_kept = 1 then marked.' ~ name ~ ' else ' ~ tombstone[name]
                                  ~ ' end as ' ~ name if name in tombstone else 'marked.' ~ name) -%}
        {%- endfor -%}
        select
            {{ outputs | join(',\n') | indent(12) }}
        from (
            select
                combined.*,
                max(combined.is_rewritten) over (partition by combined.{{ partition_column }}) as partition_touched,
                max(combined.is_kept) over (partition by combined.{{ partition_column }}) as partition_kept,
                row_number() over (partition by combined.{{ partition_column }} order by combined.is_kept desc)
                    as partition_row
            from (
                select
                    run_rows.{{ values | join(', run_rows.') }},
                    {{ partition_value | replace('{row}', 'run_rows') }} as {{ partition_column }},
                    1 as is_rewritten,
                    case when {{ kept }} then 1 else 0 end as is_kept
                from {{ final }} as run_rows
                union all
                -- the predicate once (int_bars_6h's is a literal map of every symbol, which Spark plans)
                select
                    flagged.{{ values | join(', flagged.') }},
                    flagged.{{ partition_column }},
                    flagged.is_rewritten,
                    1 - flagged.is_rewritten as is_kept
                from (
                    select
                        stored_rows.*,
                        case when {{ rewritten }} then 1 else 0 end as is_rewritten
                    from {{ this }} as stored_rows
                    {{ stored_joins }}
                    where {{ prune }}
                ) as flagged
            ) as combined
        ) as marked
        where
            marked.partition_touched = 1
            and (marked.is_kept = 1 or (marked.partition_kept = 0 and marked.partition_row = 1))
    {%- endif -%}
{%- endmacro %}
