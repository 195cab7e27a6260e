{#- Step 14, per long window: CCI's sum of absolute deviations over the window, step 13's whole
    days plus, on the current date, its partial first day ('current_head_<suffix>' bars of step 5)
    directly. -#}
{% macro metrics_step_long_mad(w) -%}
    {%- set merged = data_pipeline.metrics_stage('long_' ~ w.suffix) -%}
    select
        day_mad.symbol,
        day_mad.metric_date,
        coalesce(day_mad.cci_abs_dev_sum, 0) + coalesce(head_mad.cci_abs_dev_sum, 0) as cci_abs_dev_sum
    from (
        select
            symbol,
            metric_date,
            cci_abs_dev_sum
        from {{ data_pipeline.metrics_stage('long_day_mads') }}
        where window_suffix = '{{ w.suffix }}'
    ) as day_mad
    left join (
        select
            bars.symbol,
            merged.metric_date,
            sum(abs((bars.typical - merged.last_close) - merged.typical_dev_sum / merged.bar_count)) as cci_abs_dev_sum
        from {{ data_pipeline.metrics_stage('current_bars') }} as bars
        inner join {{ merged }} as merged
            on bars.symbol = merged.symbol and bars.seg_date = merged.metric_date
        where bars.seg_kind = 'current_head_{{ w.suffix }}'
        group by bars.symbol, merged.metric_date
    ) as head_mad
        on day_mad.symbol = head_mad.symbol and day_mad.metric_date = head_mad.metric_date
{%- endmacro %}
