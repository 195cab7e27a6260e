{#- How symbol_regime_daily's rows reach the table, per engine. Where the engine deletes rows: delete+insert on
    (symbol, regime_date), the query returning the days the run writes, and regime_delete_vanished deleting the
    days whose daily candle is gone. On Spark, whose parquet tables have no DELETE (MERGE needs Delta or
    Iceberg), the run overwrites whole month partitions (regime_month) instead (docs/scale.md, "Partitioning"):
    a month of 2,000 symbols is 60,000 rows, one file of a size Spark reads well (a day would be 2,000), and a
    daily run rewrites the current month. The config is incremental_table_config's. -#}

{#- The model's rows from its `final` CTE (the days the run writes) and its `daily_candles` CTE (every complete
    daily candle). -#}
{% macro regime_table_rows(final) -%}
    {{ return(adapter.dispatch('regime_table_rows', 'data_pipeline')(final)) }}
{%- endmacro %}
{% macro default__regime_table_rows(final) -%}
    select * from {{ final }}
{%- endmacro %}

{#- Spark: the written days with their month and, on an incremental run, every stored row of the months the
    run touches that it neither writes again nor lost (its daily candle is gone): the whole new content of each
    month it overwrites. A month that only held lost rows gets no row, so the overwrite leaves it:
    regime_delete_vanished drops it afterwards. The overwrite is dynamic, which lets the statement read the
    table it replaces (the new files are written aside and swapped in at the commit). -#}
{% macro spark__regime_table_rows(final) -%}
    {%- set run_rows -%}
        select
            {{ final }}.*,
            {{ data_pipeline.partition_month(final ~ '.regime_date') }} as regime_month
        from {{ final }}
    {%- endset -%}
    {%- if not (execute and is_incremental()) -%}
        {{ run_rows }}
    {%- else -%}
        {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        select {{ names | join(', ') }} from ({{ run_rows }}) as run_rows
        union all
        select stored_rows.{{ names | join(', stored_rows.') }}
        from {{ this }} as stored_rows
        left join {{ final }} as written
            on stored_rows.symbol = written.symbol and stored_rows.regime_date = written.regime_date
        left join daily_candles
            on
                stored_rows.symbol = daily_candles.symbol
                and stored_rows.regime_date = {{ data_pipeline.cast_date('daily_candles.candle_at') }}
        where
            written.symbol is null
            and daily_candles.symbol is not null
            and stored_rows.regime_month in (
                select {{ data_pipeline.partition_month('touched.regime_date') }} from {{ final }} as touched
                union distinct
                select lost.regime_month
                from {{ this }} as lost
                left join daily_candles as lost_candles
                    on
                        lost.symbol = lost_candles.symbol
                        and lost.regime_date = {{ data_pipeline.cast_date('lost_candles.candle_at') }}
                where lost_candles.symbol is null
            )
    {%- endif -%}
{%- endmacro %}

