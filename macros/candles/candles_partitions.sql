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

{#- Spark: the rows an insert overwrite of an interval's table writes (partition_overwrite_rows): a partition
    left with no row gets a tombstone with is_complete NULL, which candles_drop_emptied_partitions drops.
    `rewritten` is a predicate on the stored row `stored_rows` (and on its symbol's row `plan` of the step
    table `plan_table`, when given). -#}
{% macro candles_partition_rows(interval, final, rewritten, plan_table=none, prune='(1 = 1)') -%}
    {{ return(data_pipeline.partition_overwrite_rows(
        final, data_pipeline.candles_partition_column(interval),
        data_pipeline.candles_partition_value(interval, '{row}.candle_at'), rewritten,
        tombstone={'is_complete': 'null'},
        stored_joins='left join ' ~ plan_table ~ ' as plan on stored_rows.symbol = plan.symbol' if plan_table else '',
        prune=prune)) }}
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
