{#- Step 3 (and again after step 5, for the current date's segments): the partials of each
    segment, kept in ohlc_metrics_daily__segments between runs (the long windows of later runs read old days).
    `bars`: step 2's bars in order (metrics_bars_in_order). Every segment lies within 24 hours of
    its end, so besides the partials of each short window (prefix w<suffix>_: the last w minutes),
    the 24 h window's are the whole segment's, which the long windows merge (step 12), with the
    segment's first and last bars and its weighted sums for the long windows' ratios
    (seg_<average>_geo_<suffix>).

    A window's partials: bar_count; close_dev_sum and close_dev_sq_sum, the closes' sums anchored
    at the segment's last close (so variances stay exact); close_min, close_max; volume_sum,
    close_volume_sum (VWAP); trades_sum, trades_count; the typical price's typical_dev_sum,
    typical_dev_sq_sum, typical_min, typical_max; the first bar's first_close and first_range
    (high - low); the sums over consecutive bars both inside the window: rsi_gain_sum,
    rsi_loss_sum, atr_step_range_sum (true range), obv_flow_sum, adx_plus_move_sum,
    adx_minus_move_sum; and <average>_geo = sum r^bars_after (close - last close) of each
    exponential average (ema_fast, ema_slow, macd_signal).

    The short windows end together and nest, so they are computed in two passes:
    1. one pass over the bars, grouped by nested bucket: bucket j holds the bars of window j that
       are not in window j - 1 (minutes_to_end in (15, 30] is bucket 2). Each bucket's aggregates
       are plain (about 60 per bar instead of 160 conditional ones for six windows), and
       bars_after serves every window's weighted sums;
    2. window j merges buckets 1..j (at most 6 rows per segment): sums add, extremes combine, the
       first bar is the first of the oldest bucket with bars, and a bucket's first bar adds its
       step from the previous bar only when that bar lies inside window j. -#}
{% macro metrics_step_partials(bars) -%}
    {%- set windows = data_pipeline.metrics_short_windows() -%}
    {%- set long_windows = data_pipeline.metrics_long_windows() -%}
    {%- set averages = data_pipeline.metrics_averages() -%}
    {%- set steps = data_pipeline.metrics_bar_steps() -%}
    {%- set summed = ['close_dev_sum', 'close_dev_sq_sum', 'volume_sum', 'close_volume_sum', 'trades_sum',
                      'typical_dev_sum', 'typical_dev_sq_sum'] -%}
    select
        symbol,
        seg_kind,
        seg_date,
        max(seg_start) as seg_start,
        max(seg_end) as seg_end,
        max(last_close) as last_close,
        max(last_high) as last_high,
        max(last_low) as last_low,
        max(last_typical) as last_typical,
        max(first_high) as first_high,
        max(first_low) as first_low,
        max(first_volume) as first_volume,
        max(last_epoch) as last_epoch
        {%- for w in long_windows %}
        {%- for average in averages %}
        , sum({{ average }}_geo_{{ w.suffix }}) as seg_{{ average }}_geo_{{ w.suffix }}
        {%- endfor %}
        {%- endfor %}
        {%- for w in windows %}
        {%- set j = loop.index %}
        {%- set p = 'w' ~ w.suffix ~ '_' %}
        {%- set inside = 'bucket <= ' ~ j %}
        , coalesce(sum(case when {{ inside }} then bar_count end), 0) as {{ p }}bar_count
        , coalesce(sum(case when {{ inside }} then trades_count end), 0) as {{ p }}trades_count
        {%- for name in summed %}
        , sum(case when {{ inside }} then {{ name }} end) as {{ p }}{{ name }}
        {%- endfor %}
        {%- for name in ['close', 'typical'] %}
        , min(case when {{ inside }} then {{ name }}_min end) as {{ p }}{{ name }}_min
        , max(case when {{ inside }} then {{ name }}_max end) as {{ p }}{{ name }}_max
        {%- endfor %}
        {#- the window's first bar: the first of its oldest bucket with bars #}
        {%- for name in ['first_close', 'first_range'] %}
        , coalesce(
            {%- for b in range(j, 0, -1) %}max(case when bucket = {{ b }} then {{ name }} end)
            {%- if not loop.last %}, {% endif %}{% endfor -%}
        ) as {{ p }}{{ name }}
        {%- endfor %}
        {%- for name in steps %}
        , sum(case when {{ inside }} then coalesce(inner_{{ name }}, 0)
            + case when first_prev_epoch >= seg_end - {{ 60 * w.minutes }} then coalesce(first_{{ name }}, 0) else 0 end
        end) as {{ p }}{{ name }}_sum
        {%- endfor %}
        {%- for average in averages %}
        , sum(case when {{ inside }} then {{ average }}_geo_{{ w.suffix }} end) as {{ p }}{{ average }}_geo
        {%- endfor %}
        {%- endfor %}
    from (
        select
            symbol,
            seg_kind,
            seg_date,
            bucket,
            max(seg_start) as seg_start,
            max(seg_end) as seg_end,
            max(last_close) as last_close,
            max(case when bars_after = 0 then high end) as last_high,
            max(case when bars_after = 0 then low end) as last_low,
            max(case when bars_after = 0 then typical end) as last_typical,
            max(case when prev_epoch is null then high end) as first_high,
            max(case when prev_epoch is null then low end) as first_low,
            max(case when prev_epoch is null then volume end) as first_volume,
            max(bar_epoch) as last_epoch,
            count(*) as bar_count,
            sum(close - last_close) as close_dev_sum,
            sum((close - last_close) * (close - last_close)) as close_dev_sq_sum,
            min(close) as close_min,
            max(close) as close_max,
            sum(volume) as volume_sum,
            sum(close * volume) as close_volume_sum,
            sum(trades) as trades_sum,
            sum(case when trades is not null then 1 else 0 end) as trades_count,
            sum(typical - last_close) as typical_dev_sum,
            sum((typical - last_close) * (typical - last_close)) as typical_dev_sq_sum,
            min(typical) as typical_min,
            max(typical) as typical_max,
            {#- the bucket's first bar, and its previous bar's time (NULL for the segment's first) #}
            max(case when bucket_first = 1 then close end) as first_close,
            max(case when bucket_first = 1 then high - low end) as first_range,
            max(case when bucket_first = 1 then prev_epoch end) as first_prev_epoch
            {%- for name, term in steps.items() %}
            , max(case when bucket_first = 1 then {{ term }} end) as first_{{ name }}
            , sum(case when bucket_first = 0 then {{ term }} end) as inner_{{ name }}
            {%- endfor %}
            {%- for w in windows + long_windows %}
            {%- for average in averages %}
            , sum({{ data_pipeline.metrics_weight(w, average) }} * (close - last_close))
                as {{ average }}_geo_{{ w.suffix }}
            {%- endfor %}
            {%- endfor %}
        from (
            select
                bars.*,
                case
                    when prev_epoch is null then 1
                    {%- for w in windows %}
                    when minutes_to_end <= {{ w.minutes }}
                        then case when prev_epoch < seg_end - {{ 60 * w.minutes }} then 1 else 0 end
                    {%- endfor %}
                    else 1
                end as bucket_first,
                case
                    {%- for w in windows %}
                    when minutes_to_end <= {{ w.minutes }} then {{ loop.index }}
                    {%- endfor %}
                    else {{ (windows | length) + 1 }}
                end as bucket,
                powers.*
            from {{ bars }} as bars
            left join {{ data_pipeline.metrics_stage('powers') }} as powers
                on bars.bars_after = powers.weight_exponent
        ) as bucketed_bars
        group by symbol, seg_kind, seg_date, bucket
    ) as buckets
    group by symbol, seg_kind, seg_date
{%- endmacro %}

{#- The steps between a bar and the previous one that the metrics sum (RSI, ATR, OBV, ADX), as
    expressions of the bar (high, low, close, volume) and the previous bar (prev_*). -#}
{% macro metrics_bar_steps() -%}
    {{ return({
        'rsi_gain': 'greatest(close - prev_close, 0)',
        'rsi_loss': 'greatest(prev_close - close, 0)',
        'atr_step_range': 'greatest(high - low, abs(high - prev_close), abs(low - prev_close))',
        'obv_flow': 'sign(close - prev_close) * volume',
        'adx_plus_move': 'greatest(high - prev_high, 0)',
        'adx_minus_move': 'greatest(prev_low - low, 0)',
    }) }}
{%- endmacro %}
