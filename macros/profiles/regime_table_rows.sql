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
    month it overwrites (partition_overwrite_rows). A month left with lost rows only keeps one of them as its
    tombstone, and regime_delete_vanished drops it afterwards. -#}
{% macro spark__regime_table_rows(final) -%}
    {%- set stored_joins -%}
        left join {{ final }} as written
            on stored_rows.symbol = written.symbol and stored_rows.regime_date = written.regime_date
        left join daily_candles
            on
                stored_rows.symbol = daily_candles.symbol
                and stored_rows.regime_date = {{ data_pipeline.cast_date('daily_candles.candle_at') }}
    {%- endset -%}
    {{ return(data_pipeline.partition_overwrite_rows(
        final, 'regime_month', data_pipeline.partition_month('{row}.regime_date'),
        '(written.symbol is not null or daily_candles.symbol is null)', stored_joins=stored_joins)) }}
{%- endmacro %}

