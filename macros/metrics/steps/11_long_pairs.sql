{#- Step 11, per long window (7 d, 30 d): every recomputed row with each segment its window
    covers, the whole days (D - days, D], plus on the current date the partial first day
    ('current_head_<suffix>'), each with the segment's 24 h partials (prefix seg_) and what merging
    them in time order needs (docs/metrics.md):
    - seg_close_mean, seg_typical_mean: the segment's means relative to the window's last close;
    - the previous segment's last bar (prev_seg_*), for the steps between segments;
    - seg_<average>_weighted = r^(bars after the segment) (G + (A - c0) (1 - r^n) / (1 - r)): the
      segment's share of the window's weighted sum X(r), from its sum G anchored at its last close
      A, with c0 the window's first close. -#}
{% macro metrics_step_long_pairs(w) -%}
    {%- set d = data_pipeline.double_literal -%}
    {%- set row = 'partition by symbol, metric_date' -%}
    select
        ordered.*,
        (ordered.last_close - ordered.window_last_close) + ordered.seg_close_dev_sum / ordered.seg_bar_count
            as seg_close_mean,
        (ordered.last_close - ordered.window_last_close) + ordered.seg_typical_dev_sum / ordered.seg_bar_count
            as seg_typical_mean
        {%- for average in data_pipeline.metrics_averages() %}
        {%- set r = d(w.r[average]) %}
        , power({{ r }}, ordered.bars_after_seg) * (ordered.seg_{{ average }}_geo
            + (ordered.last_close - ordered.window_first_close) * (1 - power({{ r }}, ordered.seg_bar_count))
            / {{ d(1 - w.r[average]) }}) as seg_{{ average }}_weighted
        {%- endfor %}
    from (
        select
            covered.*,
            coalesce(sum(covered.seg_bar_count) over (
                {{ row }} order by seg_start desc rows between unbounded preceding and 1 preceding
            ), 0) as bars_after_seg,
            lag(covered.last_close) over ({{ row }} order by seg_start) as prev_seg_close,
            lag(covered.last_high) over ({{ row }} order by seg_start) as prev_seg_high,
            lag(covered.last_low) over ({{ row }} order by seg_start) as prev_seg_low,
            first_value(covered.seg_first_close) over ({{ row }} order by seg_start) as window_first_close,
            first_value(covered.last_close) over ({{ row }} order by seg_start desc) as window_last_close,
            first_value(covered.last_typical) over ({{ row }} order by seg_start desc) as window_last_typical
        from (
            select
                snapshots.symbol,
                snapshots.metric_date,
                segments.seg_kind,
                segments.seg_date,
                segments.seg_start,
                segments.last_close,
                segments.last_high,
                segments.last_low,
                segments.last_typical,
                segments.first_high,
                segments.first_low,
                segments.first_volume,
                {%- for column in data_pipeline.metrics_merged_partials() %}
                segments.w24h_{{ column }} as seg_{{ column }},
                {%- endfor %}
                {%- for average in data_pipeline.metrics_averages() %}
                segments.seg_{{ average }}_geo_{{ w.suffix }} as seg_{{ average }}_geo{% if not loop.last %},{% endif %}
                {%- endfor %}
            from {{ data_pipeline.metrics_stage('snapshots') }} as snapshots
            inner join {{ data_pipeline.metrics_stage('segments') }} as segments
                on
                    snapshots.symbol = segments.symbol
                    and (
                        (
                            segments.seg_kind = 'day'
                            and segments.seg_date > snapshots.metric_date - {{ w.days * 86400 }}
                            and segments.seg_date <= snapshots.metric_date
                        )
                        or (
                            snapshots.is_current = 1
                            and segments.seg_kind = 'current_head_{{ w.suffix }}'
                            and segments.seg_date = snapshots.metric_date
                        )
                    )
        ) as covered
    ) as ordered
{%- endmacro %}

{#- The 24 h partials of a segment that step 11 carries (as seg_<name>) and step 12 merges. -#}
{% macro metrics_merged_partials() -%}
    {%- set names = ['bar_count', 'close_dev_sum', 'close_dev_sq_sum', 'close_min', 'close_max', 'volume_sum',
                     'close_volume_sum', 'trades_sum', 'trades_count', 'typical_dev_sum', 'typical_dev_sq_sum',
                     'typical_min', 'typical_max', 'first_close'] -%}
    {%- for name in data_pipeline.metrics_bar_steps() -%}{%- do names.append(name ~ '_sum') -%}{%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
