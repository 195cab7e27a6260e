{#- Step 9: the table's rows from the recomputed dates on that have no snapshot any more: their
    bars were removed (a symbol's first or latest date moved). dbt's delete+insert replaces only
    the rows this run writes, so the post-hook deletes these (metrics_delete_vanished), in the same
    transaction as the insert. Empty on a first run and a full refresh. -#}
{% macro metrics_step_vanished(plan) -%}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if existing is none or flags.FULL_REFRESH -%}
        select
            symbol,
            {{ data_pipeline.cast_date(data_pipeline.from_epoch_seconds('metric_date')) }} as metric_date
        from {{ data_pipeline.metrics_stage('snapshots') }}
        where 1 = 0
    {%- else -%}
        select
            metrics.symbol,
            metrics.metric_date
        from {{ this }} as metrics
        where
            metrics.metric_date >= {{ data_pipeline.metrics_epoch_literal(plan.first or 0, 'date') }}
            and {{ data_pipeline.metrics_recomputed(plan, 'metrics.symbol', 'metrics.metric_date', 'date') }}
            and not exists (
                select 1
                from {{ data_pipeline.metrics_stage('snapshots') }} as snapshots
                where
                    snapshots.symbol = metrics.symbol
                    and snapshots.metric_date = {{ data_pipeline.epoch_seconds('metrics.metric_date') }}
            )
    {%- endif %}
{%- endmacro %}

{#- The post-hook that deletes step 9's rows (their bars are gone); usually there are none, and
    then it does nothing. The range on metric_date (the primary key's first column) keeps the
    delete from testing every row of the table. -#}
{% macro metrics_delete_vanished() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {{ return(adapter.dispatch('metrics_delete_vanished', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__metrics_delete_vanished() -%}
    {%- set vanished = data_pipeline.metrics_stage('vanished') -%}
    {%- set first = run_query('select min(metric_date) from ' ~ vanished).columns[0].values()[0] -%}
    {%- if first is none -%}{{ return('') }}{%- endif -%}
    {%- set sql -%}
        delete from {{ this }}
        where
            metric_date >= {{ data_pipeline.cast_date("'" ~ first ~ "'") }}
            and exists (
                select 1
                from {{ vanished }} as vanished
                where
                    vanished.symbol = {{ this.identifier }}.symbol
                    and vanished.metric_date = {{ this.identifier }}.metric_date
            )
    {%- endset -%}
    {%- do data_pipeline.metrics_execute('rows without bars: delete', sql) -%}
    {{ return('') }}
{%- endmacro %}

{#- Spark: the table's month partitions were rewritten with their rows (metrics_table_rows.sql), so
    a vanished row is still there only in a month the run wrote no row into, which holds vanished
    rows alone: an overwrite cannot empty a partition, so such a month is dropped.
    https://spark.apache.org/docs/3.5.0/sql-ref-syntax-ddl-alter-table.html#drop-partition -#}
{% macro spark__metrics_delete_vanished() -%}
    {%- set sql -%}
        select distinct metrics.metric_month
        from {{ this }} as metrics
        inner join {{ data_pipeline.metrics_stage('vanished') }} as vanished
            on metrics.symbol = vanished.symbol and metrics.metric_date = vanished.metric_date
    {%- endset -%}
    {%- set emptied = run_query(sql).columns[0].values() -%}
    {%- if emptied | length == 0 -%}{{ return('') }}{%- endif -%}
    {%- set drops = [] -%}
    {%- for month in emptied | sort -%}
        {%- do drops.append("partition (metric_month = '" ~ month ~ "')") -%}
    {%- endfor -%}
    {%- do data_pipeline.metrics_execute('months without bars: drop',
        'alter table ' ~ this ~ ' drop if exists ' ~ drops | join(', ')) -%}
    {{ return('') }}
{%- endmacro %}
