{#- Step 12, per long window: its partials per recomputed row, merged from step 11's segments, under
    the names the window expressions read (metrics_window_expressions):
    - moments: each segment's mean mu_i (relative to the window's last close) and M2_i, so that
      close_dev_sum = sum n_i mu_i and close_dev_sq_sum = sum (M2_i + n_i mu_i^2) (the same for the
      typical price);
    - the steps between consecutive bars: each segment's own, plus its first bar against the
      previous segment's last bar (the previous bar in the window); the window's first bar adds
      its high - low to the true range;
    - the weighted sums X(r): the segments' shares added. -#}
{% macro metrics_step_long_merged(w) -%}
    {%- set has_previous = 'prev_seg_close is not null' -%}
    {%- set first_steps = {
        'rsi_gain': 'greatest(seg_first_close - prev_seg_close, 0)',
        'rsi_loss': 'greatest(prev_seg_close - seg_first_close, 0)',
        'obv_flow': 'coalesce(sign(seg_first_close - prev_seg_close) * first_volume, 0)',
        'adx_plus_move': 'greatest(first_high - prev_seg_high, 0)',
        'adx_minus_move': 'greatest(prev_seg_low - first_low, 0)',
    } -%}
    select
        symbol,
        metric_date,
        max(window_last_close) as last_close,
        max(window_first_close) as first_close,
        max(window_last_typical) as last_typical,
        sum(seg_bar_count) as bar_count,
        sum(seg_bar_count * seg_close_mean) as close_dev_sum,
        sum((seg_close_dev_sq_sum - seg_close_dev_sum * seg_close_dev_sum / seg_bar_count)
            + seg_bar_count * seg_close_mean * seg_close_mean) as close_dev_sq_sum,
        min(seg_close_min) as close_min,
        max(seg_close_max) as close_max,
        sum(seg_volume_sum) as volume_sum,
        sum(seg_close_volume_sum) as close_volume_sum,
        sum(seg_trades_sum) as trades_sum,
        sum(seg_trades_count) as trades_count,
        sum(seg_bar_count * seg_typical_mean) as typical_dev_sum,
        sum((seg_typical_dev_sq_sum - seg_typical_dev_sum * seg_typical_dev_sum / seg_bar_count)
            + seg_bar_count * seg_typical_mean * seg_typical_mean) as typical_dev_sq_sum,
        min(seg_typical_min) as typical_min,
        max(seg_typical_max) as typical_max,
        {%- for name, term in first_steps.items() %}
        sum(coalesce(seg_{{ name }}_sum, 0) + case when {{ has_previous }} then {{ term }} else 0 end)
            as {{ name }}_sum,
        {%- endfor %}
        sum(coalesce(seg_atr_step_range_sum, 0) + case
            when {{ has_previous }}
                then greatest(first_high - first_low, abs(first_high - prev_seg_close), abs(first_low - prev_seg_close))
            else first_high - first_low
        end) as atr_true_range_sum
        {%- for average in data_pipeline.metrics_averages() %},
        sum(seg_{{ average }}_weighted) as {{ average }}_weighted
        {%- endfor %}
    from {{ data_pipeline.metrics_stage('long_' ~ w.suffix ~ '_pairs') }}
    group by symbol, metric_date
{%- endmacro %}
