{#- Step 8: the rows to (re)compute, one per symbol and date from the symbol's first day through
    its latest, each with its snapshot end (midnight after the date, or step 4's on the current
    date) and is_current. -#}
{% macro metrics_step_snapshots(plan) -%}
    {%- set segments = data_pipeline.metrics_stage('segments') -%}
    {%- set bounds -%}
        select symbol, min(seg_date) as first_day, max(seg_date) as last_day
        from {{ segments }}
        where seg_kind = 'day'
        group by symbol
    {%- endset -%}
    {%- set span = run_query('select max(last_day - first_day) from (' ~ bounds ~ ') as bounds')
        .columns[0].values()[0] -%}
    {%- set span_days = ((span or 0) | int) // 86400 + 1 -%}
    {%- set metric_date = 'bounds.first_day + numbers.i * 86400' -%}
    select
        spine.symbol,
        spine.metric_date,
        coalesce(current_symbols.snapshot_end, spine.metric_date + 86400) as snapshot_end,
        case when current_symbols.symbol is null then 0 else 1 end as is_current
    from (
        select
            bounds.symbol,
            {{ metric_date }} as metric_date
        from ({{ bounds }}) as bounds
        inner join ({{ data_pipeline.number_series(span_days) }}) as numbers
            on {{ metric_date }} <= bounds.last_day
        where {{ data_pipeline.metrics_recomputed(plan, 'bounds.symbol', metric_date) }}
    ) as spine
    left join {{ data_pipeline.metrics_stage('current') }} as current_symbols
        on spine.symbol = current_symbols.symbol and spine.metric_date = current_symbols.metric_date
{%- endmacro %}
