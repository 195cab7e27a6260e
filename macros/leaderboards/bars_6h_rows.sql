{#- int_bars_6h's output, from its `final` CTE (the run's buckets; on an incremental run also
    tombstones, bar_count 0, for the stored buckets of its range no bar is left in). Where the
    engine deletes (incremental_table_config), these rows are the table's new rows. On Spark the
    run overwrites the month partitions (bucket_month) it touches: a month of 6 h buckets is small
    (2,000 symbols: 240,000 rows), and a run normally touches the current month only. -#}
{% macro bars_6h_rows(final) -%}
    {{ return(adapter.dispatch('bars_6h_rows', 'data_pipeline')(final)) }}
{%- endmacro %}

{% macro default__bars_6h_rows(final) -%}
    select * from {{ final }}
{%- endmacro %}

{#- Spark overwrites the month partitions (bucket_month) the rows fall in (partition_overwrite_rows): each
    month the run touches gets the run's buckets with bars, plus the stored buckets outside the run's range
    (bars_6h_filter). A month left with nothing else gets one tombstone (bar_count 0), which the post-hook
    (bars_6h_delete_tombstones) drops: an overwrite cannot empty a partition. -#}
{% macro spark__bars_6h_rows(final) -%}
    {{ return(data_pipeline.partition_overwrite_rows(
        final, 'bucket_month', data_pipeline.partition_month('{row}.bucket_start'),
        data_pipeline.bars_6h_filter('stored_rows.symbol', 'stored_rows.bucket_start'),
        kept='run_rows.bar_count > 0', tombstone={'bar_count': '0'})) }}
{%- endmacro %}
