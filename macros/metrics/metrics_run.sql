{#- ohlc_metrics_daily's pre-hook: the steps that compute the partials of every recomputed row,
    one line each, in order (docs/metrics.md, "How it is computed"; docs/architecture.md). Each
    step's SQL is one file under steps/, numbered in this order; the plumbing (step tables, the
    lock) is metrics_plumbing.sql; which rows a run recomputes, metrics_plan.sql. The step tables
    are ohlc_metrics_daily__<name>: `segments` (and, on MySQL/MariaDB, the sorted typical prices)
    are kept between runs, the others are dropped by the post-hook. They are steps of the model
    rather than models of their own so that `dbt run --select ohlc_metrics_daily`, the command
    cron runs, does the whole work under one lock, on one connection (docs/architecture.md). -#}
{% macro metrics_prepare() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set m = data_pipeline -%}
    {%- set key = ['symbol', 'metric_date'] -%}
    {%- set segment_key = ['symbol', 'seg_kind', 'seg_date'] -%}
    {%- do m.metrics_lock() -%}
    {%- set plan = m.metrics_plan() -%}
    {%- set bar_filter = m.metrics_bar_filter(plan) -%}
    {%- set recomputed_days = m.metrics_recomputed(plan, 'symbol', 'seg_date') -%}
    {%- set recomputed_keys = m.symbol_scan_hint('symbol') ~ ' and ' ~ recomputed_days -%}
    {#- from here on the persistent step tables change: a run that dies is finished by the next -#}
    {%- do m.metrics_pending_record(plan) -%}

    {%- do m.metrics_create('powers', m.metrics_step_powers(), ['weight_exponent']) -%}
    {%- set day_bars = m.metrics_keep_day_bars(m.metrics_step_day_bars(bar_filter)) -%}
    {%- do m.metrics_write('segments', m.metrics_step_partials(day_bars), plan, segment_key,
                           "seg_kind <> 'day' or " ~ recomputed_days) -%}
    {%- do m.metrics_create('current', m.metrics_step_current()) -%}
    {%- do m.metrics_create('current_bars', m.metrics_step_current_bars()) -%}
    {%- do m.metrics_insert('segments', 'current', m.metrics_step_partials(m.metrics_stage('current_bars'))) -%}
    {%- do m.metrics_write('typical_prices', m.metrics_step_typical_prices(day_bars), plan,
                           ['symbol', 'seg_date', 'bucket', 'rank_in_day'], recomputed_keys,
                           m.metrics_typical_price_types(), m.metrics_typical_price_columns()) -%}
    {%- do m.metrics_write('typical_buckets', m.metrics_step_typical_buckets(plan), plan,
                           ['symbol', 'seg_date', 'bucket'], recomputed_keys) -%}
    {%- do m.metrics_create('snapshots', m.metrics_step_snapshots(plan), key) -%}
    {%- do m.metrics_create('vanished', m.metrics_step_vanished(plan)) -%}
    {%- do m.metrics_create('short_mad', m.metrics_step_short_mad(m.metrics_day_bars_with_means(day_bars, bar_filter)),
                            segment_key) -%}
    {%- do m.metrics_insert('short_mad', 'current', m.metrics_step_short_mad(m.metrics_current_bars_with_means())) -%}
    {%- for w in m.metrics_long_windows() -%}
        {%- do m.metrics_create('long_' ~ w.suffix ~ '_pairs', m.metrics_step_long_pairs(w)) -%}
        {%- do m.metrics_create('long_' ~ w.suffix, m.metrics_step_long_merged(w), key) -%}
    {%- endfor -%}
    {%- do m.metrics_create('long_day_mads', m.metrics_step_long_day_mads(plan)) -%}
    {%- for w in m.metrics_long_windows() -%}
        {%- do m.metrics_create('long_' ~ w.suffix ~ '_mad', m.metrics_step_long_mad(w), key) -%}
    {%- endfor -%}
    {%- do m.metrics_keep_carried(plan) -%}
    {{ return('') }}
{%- endmacro %}

{#- The sane bars a run reads: every bar for a full build, else the recomputed days'. -#}
{% macro metrics_bar_filter(plan) -%}
    {%- if plan.start is none -%}
        {{ log('ohlc_metrics_daily: full build from every bar', info=true) }}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set since = data_pipeline.metrics_epoch_literal(plan.start, 'day') -%}
    {{ log('ohlc_metrics_daily: recomputing from ' ~ since, info=true) }}
    {{ return(data_pipeline.symbol_scan_hint('symbol') ~ ' and '
              ~ data_pipeline.metrics_recomputed(plan, 'symbol', 'bar_at', 'timestamp')) }}
{%- endmacro %}
