{#- Per-segment partial aggregates for ohlc_metrics_daily (docs/metrics.md, "How it is computed").
    A segment is a run of one symbol's bars: a whole UTC day ('day'), the 24 hours before the
    current date's snapshot ('c1'), or the partial first day of the current date's 7 d and 30 d
    windows ('h7d', 'h30d'). `bars` holds the segment's bars with, per bar: k (minutes before the
    segment's end, 1 for the last minute), e (bars after it in the segment), anchor (the segment's
    last close) and the previous bar of the segment (prev_ts, pc, ph, pl; NULL for its first bar).

    One pass yields, under the prefix `w<suffix>_`, the partials of each short window (the last
    w minutes; the windows end together and nest, so the bars after a bar of a window are in the
    window too, and e serves every window): counts, sums anchored at the last close (variances
    stay exact), min and max, the first bar, the differences between consecutive bars that are
    both inside, and the anchored geometric sums sum r^e (c - anchor) of the exponential averages.
    Every segment lies within 24 hours of its end, so the 24 h window's partials are the whole
    segment's: the long windows merge those, with the long windows' geometric sums (prefix `a_g`)
    and the segment's first and last bars. -#}
{% macro metrics_segment_stats(bars) -%}
    {%- set conditions = [] -%}
    {%- for w in data_pipeline.metrics_short_windows() -%}
        {%- set start = '(seg_end - ' ~ (60 * w.minutes) ~ ')' -%}
        {%- do conditions.append({
            'prefix': 'w' ~ w.suffix ~ '_',
            'inside': 'k <= ' ~ w.minutes,
            'first': 'k <= ' ~ w.minutes ~ ' and (prev_ts is null or prev_ts < ' ~ start ~ ')',
            'diff': 'k <= ' ~ w.minutes ~ ' and prev_ts >= ' ~ start,
            'windows': [w],
        }) -%}
    {%- endfor %}
    select
        symbol,
        seg_kind,
        seg_date,
        max(seg_start) as seg_start,
        max(seg_end) as seg_end,
        max(anchor) as anchor,
        max(case when e = 0 then h end) as last_high,
        max(case when e = 0 then l end) as last_low,
        max(case when e = 0 then tp end) as last_tp,
        max(case when prev_ts is null then h end) as first_high,
        max(case when prev_ts is null then l end) as first_low,
        max(case when prev_ts is null then v end) as first_volume,
        max(ts) as last_ts
        {%- for w in data_pipeline.metrics_long_windows() %}
        {%- for key in ['f', 's', 'q'] %}
        , sum(power({{ data_pipeline.double_literal(w.r[key]) }}, e) * (c - anchor)) as a_g{{ w.suffix }}_{{ key }}
        {%- endfor %}
        {%- endfor %}
        {%- for cond in conditions %}
        {%- set p = cond.prefix %}
        , sum(case when {{ cond.inside }} then 1 else 0 end) as {{ p }}n
        , sum(case when {{ cond.inside }} then c - anchor end) as {{ p }}s1
        , sum(case when {{ cond.inside }} then (c - anchor) * (c - anchor) end) as {{ p }}s2
        , min(case when {{ cond.inside }} then c end) as {{ p }}cmin
        , max(case when {{ cond.inside }} then c end) as {{ p }}cmax
        , sum(case when {{ cond.inside }} then v end) as {{ p }}vsum
        , sum(case when {{ cond.inside }} then c * v end) as {{ p }}cv
        , sum(case when {{ cond.inside }} then t end) as {{ p }}tsum
        , sum(case when {{ cond.inside }} and t is not null then 1 else 0 end) as {{ p }}tcnt
        , sum(case when {{ cond.inside }} then tp - anchor end) as {{ p }}tp1
        , sum(case when {{ cond.inside }} then (tp - anchor) * (tp - anchor) end) as {{ p }}tp2
        , min(case when {{ cond.inside }} then tp end) as {{ p }}tpmin
        , max(case when {{ cond.inside }} then tp end) as {{ p }}tpmax
        , max(case when {{ cond.first }} then c end) as {{ p }}c0
        , max(case when {{ cond.first }} then h - l end) as {{ p }}hl0
        , sum(case when {{ cond.diff }} then greatest(c - pc, 0) end) as {{ p }}gain
        , sum(case when {{ cond.diff }} then greatest(pc - c, 0) end) as {{ p }}loss
        , sum(case when {{ cond.diff }} then greatest(h - l, abs(h - pc), abs(l - pc)) end) as {{ p }}trin
        , sum(case when {{ cond.diff }} then sign(c - pc) * v end) as {{ p }}obv
        , sum(case when {{ cond.diff }} then greatest(h - ph, 0) end) as {{ p }}dp
        , sum(case when {{ cond.diff }} then greatest(pl - l, 0) end) as {{ p }}dm
        {%- for w in cond.windows %}
        {%- for key in ['f', 's', 'q'] %}
        , sum(case when {{ cond.inside }} then power({{ data_pipeline.double_literal(w.r[key]) }}, e) * (c - anchor) end)
            as {{ p }}g{{ w.suffix }}_{{ key }}
        {%- endfor %}
        {%- endfor %}
        {%- endfor %}
    from {{ bars }}
    group by symbol, seg_kind, seg_date
{%- endmacro %}
