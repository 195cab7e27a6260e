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

{#- Spark overwrites the month partitions (bucket_month) the rows fall in: each month the run
    touches gets the run's buckets with bars, plus the stored buckets outside the run's range
    (bars_6h_filter). A tombstone is written only into a month left with nothing else, for the
    post-hook (bars_6h_delete_tombstones) to drop: an overwrite cannot empty a partition. One pass
    over the run's rows and the stored ones, marked per month by window aggregates. -#}
{% macro spark__bars_6h_rows(final) -%}
    {%- set month = data_pipeline.partition_month('bucket_start') -%}
    {%- if not is_incremental() %}
        select
            *,
            {{ month }} as bucket_month
        from {{ final }}
    {%- else %}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
        select {{ columns | join(', ') }}
        from (
            select
                combined.*,
                max(combined.from_run) over (partition by combined.bucket_month) as month_touched,
                max(combined.bar_count) over (partition by combined.bucket_month) as month_bar_count
            from (
                select
                    run_rows.*,
                    {{ month }} as bucket_month,
                    1 as from_run
                from {{ final }} as run_rows
                union all
                select
                    earlier.*,
                    0 as from_run
                from {{ this }} as earlier
                where not {{ data_pipeline.bars_6h_filter('earlier.symbol', 'earlier.bucket_start') }}
            ) as combined
        ) as marked
        where month_touched = 1 and (bar_count > 0 or month_bar_count = 0)
    {%- endif %}
{%- endmacro %}
