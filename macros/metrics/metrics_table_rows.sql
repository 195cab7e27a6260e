{#- How ohlc_metrics_daily's rows reach the table (its config: incremental_table_config): the
    pre-hook step that keeps the rows a run must carry over (metrics_keep_carried), and the rows its
    query returns (metrics_table_rows). Where the engine deletes rows, delete+insert on the key: the
    query returns the recomputed rows, and the post-hook deletes the vanished ones. On Spark the run
    overwrites the month partitions (metric_month) it touches: a month of 2,000 symbols is 60,000
    rows, one file of the size Spark reads well (by day a partition would be 2,000 rows); a daily run
    touches the current month, the first days of a month also the previous one. -#}

{#- Pre-hook step: the stored rows the run does not recompute but must write again. Nothing where
    the engine deletes rows by key. -#}
{% macro metrics_keep_carried(plan) -%}
    {{ return(adapter.dispatch('metrics_keep_carried', 'data_pipeline')(plan)) }}
{%- endmacro %}
{% macro default__metrics_keep_carried(plan) -%}{%- endmacro %}

{#- Spark: the rows of the months the run rewrites (from the plan's first date on) that it does
    not recompute: other symbols' rows of the months a single symbol's older history reaches back
    into, and the days of a month before the run's start. Kept as a table (`carried`), since Spark
    refuses to overwrite a table the same statement reads. The recomputed dates' stored rows are
    not carried: each is written again, or has vanished. On a full build of an existing table
    (the step tables missing) nothing is carried: every row is recomputed. -#}
{% macro spark__metrics_keep_carried(plan) -%}
    {%- if not is_incremental() -%}{{ return('') }}{%- endif -%}
    {%- if plan.first is none -%}
        {%- set carried = '1 = 0' -%}
    {%- else -%}
        {%- set first_month = data_pipeline.metrics_epoch_literal(plan.first, 'day')[:8] ~ '01' -%}
        {%- set carried = 'metric_month >= ' ~ data_pipeline.cast_date("'" ~ first_month ~ "'")
            ~ ' and not ' ~ data_pipeline.metrics_recomputed(plan, 'symbol', 'metric_date', 'date') -%}
    {%- endif -%}
    {%- do data_pipeline.metrics_create('carried', 'select * from ' ~ this ~ ' where ' ~ carried) -%}
{%- endmacro %}

{#- The model's rows from its `final` CTE: the recomputed rows where the engine deletes by key. -#}
{% macro metrics_table_rows(final) -%}
    {{ return(adapter.dispatch('metrics_table_rows', 'data_pipeline')(final)) }}
{%- endmacro %}
{% macro default__metrics_table_rows(final) -%}
    select * from {{ final }}
{%- endmacro %}

{#- Spark: the recomputed rows with their month, and on an incremental run the carried rows
    (metrics_keep_carried): together every row of each month the run overwrites. In the table's
    column order (the partition column last), by name. -#}
{% macro spark__metrics_table_rows(final) -%}
    {%- set rows -%}
        select
            *,
            {{ data_pipeline.partition_month('metric_date') }} as metric_month
        from {{ final }}
    {%- endset -%}
    {%- if not (execute and is_incremental()) %}
        {{ rows }}
    {%- else %}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | join(', ') %}
        select {{ columns }} from ({{ rows }}) as recomputed
        union all
        select {{ columns }} from {{ data_pipeline.metrics_stage('carried') }}
    {%- endif %}
{%- endmacro %}

