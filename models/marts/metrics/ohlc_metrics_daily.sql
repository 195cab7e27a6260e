-- One row per symbol and UTC date: 26 metrics over 8 windows (../shared/spec/daily-metrics.md).
-- The pre-hook (macros/metrics/metrics_run.sql, steps in macros/metrics/steps/) computes the
-- partials of every recomputed date; this query assembles them. Incremental: a run recomputes from the newest date already
-- in the table (or var recompute_from) onward and touches nothing older: delete+insert on the key, or on Spark the
-- month partitions it touches rewritten (macros/metrics/metrics_table_rows.sql).
-- depends_on: {{ ref('stg_ohlcvt') }}
{{
    config(
        materialized='incremental',
        tags=['metrics'],
        pre_hook=["{{ data_pipeline.metrics_prepare() }}"],
        post_hook=[
            "{{ data_pipeline.metrics_delete_vanished() }}",
            "{{ data_pipeline.ensure_index(this, ['metric_date', 'symbol'], primary=true) }}",
            "{{ data_pipeline.ensure_index(this, ['symbol']) }}",
            "{{ data_pipeline.metrics_drop_scratch() }}",
        ],
        **data_pipeline.incremental_table_config(['metric_date', 'symbol'], 'metric_month')
    )
}}

{%- set stage = data_pipeline.metrics_stage %}

with

snapshots as (

    select * from {{ stage('snapshots') }}

),

segments as (

    select * from {{ stage('segments') }}

),

short_mad as (

    select * from {{ stage('short_mad') }}

),

long_7d as (

    select * from {{ stage('long_7d') }}

),

long_7d_mad as (

    select * from {{ stage('long_7d_mad') }}

),

long_30d as (

    select * from {{ stage('long_30d') }}

),

long_30d_mad as (

    select * from {{ stage('long_30d_mad') }}

),

-- every window's partials side by side, under the prefix w<suffix>_: the short windows from the
-- row's day segment (or, on the current date, the 24 h before its snapshot), the long ones merged
windows_joined as (

    select
        snapshots.symbol,
        snapshots.metric_date,
        snapshots.snapshot_end,
        {{ data_pipeline.metrics_partial_columns() }}
    from snapshots
    left join segments
        on
            snapshots.symbol = segments.symbol
            and snapshots.metric_date = segments.seg_date
            and segments.seg_kind = (case when snapshots.is_current = 1 then 'current_24h' else 'day' end)
    left join short_mad
        on
            segments.symbol = short_mad.symbol
            and segments.seg_kind = short_mad.seg_kind
            and segments.seg_date = short_mad.seg_date
    left join long_7d
        on snapshots.symbol = long_7d.symbol and snapshots.metric_date = long_7d.metric_date
    left join long_7d_mad
        on snapshots.symbol = long_7d_mad.symbol and snapshots.metric_date = long_7d_mad.metric_date
    left join long_30d
        on snapshots.symbol = long_30d.symbol and snapshots.metric_date = long_30d.metric_date
    left join long_30d_mad
        on snapshots.symbol = long_30d_mad.symbol and snapshots.metric_date = long_30d_mad.metric_date

),

final as (

    select
        {{ data_pipeline.cast_date(data_pipeline.from_epoch_seconds('metric_date')) }} as metric_date,
        {{ data_pipeline.cast_string('symbol') }} as symbol,
        {{ data_pipeline.cast_timestamp(data_pipeline.from_epoch_seconds('snapshot_end')) }} as as_of_ts,
        {{ data_pipeline.cast_timestamp(data_pipeline.utc_now()) }} as last_updated_ts,
        {{ data_pipeline.metrics_columns() }}
    from windows_joined

)

{{ data_pipeline.metrics_table_rows('final') }}
