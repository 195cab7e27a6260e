{#- How an incremental run of candles_<interval> or indicators_<interval> writes its rows, per engine
    (docs/scale.md, "Partitioning"). Delete+insert on the key where the engine can delete rows;
    on Spark, whose parquet tables have no DELETE (MERGE needs Delta or Iceberg), the run
    overwrites whole partitions of candle_at instead, with candles_partition_rows giving their
    whole new content. -#}

{#- The config() arguments of an incremental candle or indicator model. -#}
{% macro candles_incremental_config(interval) -%}
    {{ return(data_pipeline.incremental_table_config(['symbol', 'candle_at'],
                                                     data_pipeline.candles_partition_column(interval))) }}
{%- endmacro %}

{#- The Spark partition column of an interval's candle and indicator tables: the candle's UTC day
    for 5m and 15m (2,000 symbols: 576,000 and 192,000 rows a day), its month for 1h, 4h and 1d
    (1.44 M, 360,000 and 60,000 rows a month). A run normally rewrites the newest partition only. -#}
{% macro candles_partition_column(interval) -%}
    {{ return('candle_date' if interval in ['5m', '15m'] else 'candle_month') }}
{%- endmacro %}

{#- The partition (a date) of a candle at timestamp `candle_at`. -#}
{% macro candles_partition_value(interval, candle_at) -%}
    {%- if data_pipeline.candles_partition_column(interval) == 'candle_date' -%}
        {{ return('cast(' ~ candle_at ~ ' as date)') }}
    {%- endif -%}
    {{ return(data_pipeline.partition_month(candle_at)) }}
{%- endmacro %}

{#- The partition of epoch second `epoch`, as a date literal. -#}
{% macro candles_partition_literal(interval, epoch) -%}
    {%- set day = (modules.datetime.datetime(1970, 1, 1) + modules.datetime.timedelta(seconds=epoch)).date() -%}
    {%- if data_pipeline.candles_partition_column(interval) == 'candle_month' -%}
        {%- set day = day.replace(day=1) -%}
    {%- endif -%}
    {{ return("date '" ~ day.isoformat() ~ "'") }}
{%- endmacro %}

{#- Spark: the rows an insert overwrite writes, from the run's rows (`final`). A full build writes
    them with their partition. An incremental run writes every partition it touches (one the run
    writes a row into, or holding a stored row the run rewrites) whole: the run's rows plus the
    stored rows it does not rewrite, which keeps the other symbols' rows and each symbol's rows
    before its start. A touched partition left with no row at all (its candles' bars were
    removed) cannot be emptied by an overwrite: it gets one tombstone, is_complete NULL, and the
    post-hook (candles_drop_emptied_partitions) drops it. `rewritten` is a predicate on the stored
    row `stored_rows` (and on its symbol's row `plan` of the step table `plan_table`, when given),
    `prune` one on its partition column that lets Spark skip the partitions no run row can touch.
    Spark refuses to overwrite a table it reads unless the overwrite is dynamic, as dbt-spark's
    is: the new files are written aside and swapped in when the job commits. -#}
{% macro candles_partition_rows(interval, final, rewritten, plan_table=none, prune='(1 = 1)') -%}
    {%- set partition = data_pipeline.candles_partition_column(interval) -%}
    {%- if not is_incremental() -%}
        select
            {{ final }}.*,
            {{ data_pipeline.candles_partition_value(interval, final ~ '.candle_at') }} as {{ partition }}
        from {{ final }}
    {%- else -%}
        {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- set values = names | reject('equalto', partition) | list -%}
        {%- set plan_join = 'left join ' ~ plan_table ~ ' as plan on stored_rows.symbol = plan.symbol'
            if plan_table else '' -%}
        {%- set outputs = [] -%}
        {%- for name in names -%}
            {%- do outputs.append('case when marked.is_kept = 1 then marked.is_complete end as is_complete'
                                  if name == 'is_complete' else 'marked.' ~ name) -%}
        {%- endfor -%}
        select
            {{ outputs | join(',\n') | indent(12) }}
        from (
            select
                combined.*,
                max(combined.is_rewritten) over (partition by combined.{{ partition }}) as partition_touched,
                max(combined.is_kept) over (partition by combined.{{ partition }}) as partition_kept,
                row_number() over (partition by combined.{{ partition }} order by combined.is_kept desc)
                    as partition_row
            from (
                select
                    run_rows.{{ values | join(', run_rows.') }},
                    {{ data_pipeline.candles_partition_value(interval, 'run_rows.candle_at') }} as {{ partition }},
                    1 as is_rewritten,
                    1 as is_kept
                from {{ final }} as run_rows
                union all
                select
                    stored_rows.{{ values | join(', stored_rows.') }},
                    stored_rows.{{ partition }},
                    case when {{ rewritten }} then 1 else 0 end as is_rewritten,
                    case when {{ rewritten }} then 0 else 1 end as is_kept
                from {{ this }} as stored_rows
                {{ plan_join }}
                where {{ prune }}
            ) as combined
        ) as marked
        where
            marked.partition_touched = 1
            and (marked.is_kept = 1 or (marked.partition_kept = 0 and marked.partition_row = 1))
    {%- endif -%}
{%- endmacro %}

{#- Spark post-hook: drops the partitions that hold only a tombstone (candles_partition_rows).
    https://spark.apache.org/docs/3.5.0/sql-ref-syntax-ddl-alter-table.html#drop-partition -#}
{% macro candles_drop_emptied_partitions(interval) -%}
    {%- set partition = data_pipeline.candles_partition_column(interval) -%}
    {%- set emptied = run_query('select ' ~ partition ~ ' from ' ~ this ~ ' group by ' ~ partition
                                ~ ' having count(is_complete) = 0').columns[0].values() -%}
    {%- if emptied | length == 0 -%}{{ return('') }}{%- endif -%}
    alter table {{ this }} drop if exists
    {%- for day in emptied %} partition ({{ partition }} = '{{ day }}'){{ ',' if not loop.last }}{% endfor %}
{%- endmacro %}
