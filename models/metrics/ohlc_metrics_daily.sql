-- One row per symbol and UTC date: 26 metrics over 8 windows (../shared/spec/daily-metrics.md).
-- The pre-hook (macros/metrics/metrics_stages.sql) computes the partials of every recomputed
-- date; this query assembles them. Incremental: a run recomputes from the newest date already
-- in the table (or var recompute_from) onward and touches nothing older.
-- depends_on: {{ ref('stg_ohlcvt') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['metric_date', 'symbol'],
        tags=['metrics'],
        pre_hook=["{{ data_pipeline.metrics_prepare() }}"],
        post_hook=[
            "{{ data_pipeline.ensure_index(this, ['metric_date', 'symbol'], primary=true) }}",
            "{{ data_pipeline.ensure_index(this, ['symbol']) }}",
            "{{ data_pipeline.metrics_drop_scratch() }}",
        ]
    )
}}

{%- set stage = data_pipeline.metrics_stage %}
{%- set prefixes = {} %}
{%- for w in data_pipeline.metrics_windows() %}
    {%- do prefixes.update({w.suffix: 'w' ~ w.suffix ~ '_'}) %}
{%- endfor %}

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

{%- for w in data_pipeline.metrics_long_windows() %}

long_{{ w.suffix }} as (

    select * from {{ stage('long_' ~ w.suffix) }}

),

long_{{ w.suffix }}_mad as (

    select * from {{ stage('long_' ~ w.suffix ~ '_mad') }}

),
{%- endfor %}

-- every window's partials side by side, under the prefix w<suffix>_
windows_joined as (

    select
        snapshots.symbol,
        snapshots.metric_date,
        snapshots.snapshot_end
        {%- for w in data_pipeline.metrics_short_windows() %}
        {%- set p = 'w' ~ w.suffix ~ '_' %}
        {%- for col in ['n', 's1', 's2', 'cmin', 'cmax', 'vsum', 'cv', 'c0', 'tp1', 'tp2', 'tpmin', 'tpmax', 'gain', 'loss', 'obv', 'dp', 'dm', 'tsum', 'tcnt'] %}
        , segments.{{ p }}{{ col }}
        {%- endfor %}
        , segments.anchor as {{ p }}cl
        , segments.last_tp as {{ p }}tpl
        , coalesce(segments.{{ p }}trin, 0) + segments.{{ p }}hl0 as {{ p }}tr
        , short_mad.{{ p }}mad
        {%- for key in ['f', 's', 'q'] %}
        , segments.{{ p }}g{{ w.suffix }}_{{ key }} + (segments.anchor - segments.{{ p }}c0)
            * (1 - power({{ data_pipeline.double_literal(w.r[key]) }}, segments.{{ p }}n)) / {{ data_pipeline.double_literal(1 - w.r[key]) }}
            as {{ p }}x{{ key }}
        {%- endfor %}
        {%- endfor %}
        {%- for w in data_pipeline.metrics_long_windows() %}
        {%- set p = 'w' ~ w.suffix ~ '_' %}
        {%- for col in ['n', 's1', 's2', 'cmin', 'cmax', 'vsum', 'cv', 'c0', 'cl', 'tp1', 'tp2', 'tpmin', 'tpmax', 'tpl', 'gain', 'loss', 'tr', 'obv', 'dp', 'dm', 'tsum', 'tcnt', 'xf', 'xs', 'xq'] %}
        , long_{{ w.suffix }}.{{ col }} as {{ p }}{{ col }}
        {%- endfor %}
        , long_{{ w.suffix }}_mad.mad as {{ p }}mad
        {%- endfor %}
    from snapshots
    left join segments
        on snapshots.symbol = segments.symbol
        and snapshots.metric_date = segments.seg_date
        and segments.seg_kind = (case when snapshots.is_current = 1 then 'c1' else 'day' end)
    left join short_mad
        on segments.symbol = short_mad.symbol
        and segments.seg_kind = short_mad.seg_kind
        and segments.seg_date = short_mad.seg_date
    {%- for w in data_pipeline.metrics_long_windows() %}
    left join long_{{ w.suffix }}
        on snapshots.symbol = long_{{ w.suffix }}.symbol
        and snapshots.metric_date = long_{{ w.suffix }}.metric_date
    left join long_{{ w.suffix }}_mad
        on snapshots.symbol = long_{{ w.suffix }}_mad.symbol
        and snapshots.metric_date = long_{{ w.suffix }}_mad.metric_date
    {%- endfor %}

),

final as (

    select
        {{ data_pipeline.cast_date(data_pipeline.from_epoch_seconds('metric_date')) }} as metric_date,
        {{ data_pipeline.cast_string('symbol') }} as symbol,
        {{ data_pipeline.cast_timestamp(data_pipeline.from_epoch_seconds('snapshot_end')) }} as as_of_ts,
        {{ data_pipeline.cast_timestamp(data_pipeline.utc_now()) }} as last_updated_ts,
        {{ data_pipeline.metrics_columns(prefixes) }}
    from windows_joined

)

select * from final
