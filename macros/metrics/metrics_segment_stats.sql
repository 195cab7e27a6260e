{#- Per-segment partial aggregates for ohlc_metrics_daily (docs/metrics.md, "How it is computed").
    A segment is a run of one symbol's bars: a whole UTC day ('day'), the 24 hours before the
    current date's snapshot ('c1'), or the partial first day of the current date's 7 d and 30 d
    windows ('h7d', 'h30d'). `bars` holds the segment's bars with, per bar: k (minutes before the
    segment's end, 1 for the last minute), e (bars after it in the segment), anchor (the segment's
    last close) and the previous bar of the segment (prev_ts, pc, ph, pl; NULL for its first bar).

    The result has, under the prefix `w<suffix>_`, the partials of each short window (the last
    w minutes): counts, sums anchored at the last close (variances stay exact), min and max, the
    first bar, the differences between consecutive bars that are both inside, and the anchored
    geometric sums sum r^e (c - anchor) of the exponential averages. Every segment lies within
    24 hours of its end, so the 24 h window's partials are the whole segment's: the long windows
    merge those, with the long windows' geometric sums (prefix `a_g`) and the segment's first and
    last bars.

    The short windows end together and nest, so they are computed in two steps:
    1. one pass over the bars, grouped by nested bucket: bucket j holds the bars of window j that
       are not in window j - 1 (k in (15, 30] is bucket 2). Each bucket's aggregates are plain
       (about 60 per bar instead of 160 conditional ones for six windows), and e, the bars after a
       bar in the segment, serves every window's geometric sums;
    2. window j merges buckets 1..j (at most 6 rows per segment): sums add, extremes combine, the
       first bar is the first of the oldest bucket with bars, and a bucket's first bar adds its
       difference to the previous bar only when that bar lies inside window j. -#}
{% macro metrics_segment_stats(bars) -%}
    {%- set windows = data_pipeline.metrics_short_windows() -%}
    {%- set long_windows = data_pipeline.metrics_long_windows() -%}
    {%- set n_buckets = windows | length -%}
    {%- set sums = ['s1', 's2', 'cv', 'tp1', 'tp2'] -%}
    {%- set nullable_sums = ['vsum', 'tsum'] -%}
    {%- set diffs = ['gain', 'loss', 'trin', 'obv', 'dp', 'dm'] -%}
    {%- set diff_terms = {
        'gain': 'greatest(c - pc, 0)',
        'loss': 'greatest(pc - c, 0)',
        'trin': 'greatest(h - l, abs(h - pc), abs(l - pc))',
        'obv': 'sign(c - pc) * v',
        'dp': 'greatest(h - ph, 0)',
        'dm': 'greatest(pl - l, 0)',
    } -%}
    {%- set ratios = [] -%}
    {%- for w in windows + long_windows -%}
        {%- for key in ['f', 's', 'q'] -%}
            {%- do ratios.append({'w': w, 'key': key, 'name': 'g' ~ w.suffix ~ '_' ~ key}) -%}
        {%- endfor -%}
    {%- endfor -%}
    select
        symbol,
        seg_kind,
        seg_date,
        max(seg_start) as seg_start,
        max(seg_end) as seg_end,
        max(anchor) as anchor,
        max(last_high) as last_high,
        max(last_low) as last_low,
        max(last_tp) as last_tp,
        max(first_high) as first_high,
        max(first_low) as first_low,
        max(first_volume) as first_volume,
        max(last_ts) as last_ts
        {%- for w in long_windows %}
        {%- for key in ['f', 's', 'q'] %}
        , sum(g{{ w.suffix }}_{{ key }}) as a_g{{ w.suffix }}_{{ key }}
        {%- endfor %}
        {%- endfor %}
        {%- for w in windows %}
        {%- set j = loop.index %}
        {%- set p = 'w' ~ w.suffix ~ '_' %}
        {%- set inside = 'bucket <= ' ~ j %}
        , coalesce(sum(case when {{ inside }} then n end), 0) as {{ p }}n
        , sum(case when {{ inside }} then s1 end) as {{ p }}s1
        , sum(case when {{ inside }} then s2 end) as {{ p }}s2
        , min(case when {{ inside }} then cmin end) as {{ p }}cmin
        , max(case when {{ inside }} then cmax end) as {{ p }}cmax
        , sum(case when {{ inside }} then vsum end) as {{ p }}vsum
        , sum(case when {{ inside }} then cv end) as {{ p }}cv
        , sum(case when {{ inside }} then tsum end) as {{ p }}tsum
        , coalesce(sum(case when {{ inside }} then tcnt end), 0) as {{ p }}tcnt
        , sum(case when {{ inside }} then tp1 end) as {{ p }}tp1
        , sum(case when {{ inside }} then tp2 end) as {{ p }}tp2
        , min(case when {{ inside }} then tpmin end) as {{ p }}tpmin
        , max(case when {{ inside }} then tpmax end) as {{ p }}tpmax
        {#- the window's first bar: the first of its oldest bucket with bars -#}
        , coalesce({% for b in range(j, 0, -1) %}max(case when bucket = {{ b }} then c0 end){% if not loop.last %}, {% endif %}{% endfor %}) as {{ p }}c0
        , coalesce({% for b in range(j, 0, -1) %}max(case when bucket = {{ b }} then hl0 end){% if not loop.last %}, {% endif %}{% endfor %}) as {{ p }}hl0
        {%- for name in diffs %}
        , sum(case when {{ inside }} then coalesce(i_{{ name }}, 0)
            + case when b_prev_ts >= seg_end - {{ 60 * w.minutes }} then coalesce(b_{{ name }}, 0) else 0 end end) as {{ p }}{{ name }}
        {%- endfor %}
        {%- for key in ['f', 's', 'q'] %}
        , sum(case when {{ inside }} then g{{ w.suffix }}_{{ key }} end) as {{ p }}g{{ w.suffix }}_{{ key }}
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
            max(anchor) as anchor,
            max(case when e = 0 then h end) as last_high,
            max(case when e = 0 then l end) as last_low,
            max(case when e = 0 then tp end) as last_tp,
            max(case when prev_ts is null then h end) as first_high,
            max(case when prev_ts is null then l end) as first_low,
            max(case when prev_ts is null then v end) as first_volume,
            max(ts) as last_ts,
            count(*) as n,
            sum(c - anchor) as s1,
            sum((c - anchor) * (c - anchor)) as s2,
            min(c) as cmin,
            max(c) as cmax,
            sum(v) as vsum,
            sum(c * v) as cv,
            sum(t) as tsum,
            sum(case when t is not null then 1 else 0 end) as tcnt,
            sum(tp - anchor) as tp1,
            sum((tp - anchor) * (tp - anchor)) as tp2,
            min(tp) as tpmin,
            max(tp) as tpmax,
            {#- the bucket's first bar, and its previous bar's time (NULL for the segment's first) -#}
            max(case when bucket_first = 1 then c end) as c0,
            max(case when bucket_first = 1 then h - l end) as hl0,
            max(case when bucket_first = 1 then prev_ts end) as b_prev_ts
            {%- for name in diffs %}
            , max(case when bucket_first = 1 then {{ diff_terms[name] }} end) as b_{{ name }}
            , sum(case when bucket_first = 0 then {{ diff_terms[name] }} end) as i_{{ name }}
            {%- endfor %}
            {%- for ratio in ratios %}
            , sum({{ data_pipeline.metrics_power(ratio.w, ratio.key) }} * (c - anchor)) as {{ ratio.name }}
            {%- endfor %}
        from (
            select
                bars.*,
                case
                    when prev_ts is null then 1
                    {%- for w in windows %}
                    when k <= {{ w.minutes }} then case when prev_ts < seg_end - {{ 60 * w.minutes }} then 1 else 0 end
                    {%- endfor %}
                    else 1
                end as bucket_first,
                case
                    {%- for w in windows %}
                    when k <= {{ w.minutes }} then {{ loop.index }}
                    {%- endfor %}
                    else {{ n_buckets + 1 }}
                end as bucket,
                powers.*
            from {{ bars }} as bars
            left join {{ data_pipeline.metrics_stage('powers') }} as powers
                on bars.e = powers.p_e
        ) as bucketed_bars
        group by symbol, seg_kind, seg_date, bucket
    ) as buckets
    group by symbol, seg_kind, seg_date
{%- endmacro %}

{#- r^e of window w's average `key`, from the step table `powers` (power() past its end). -#}
{% macro metrics_power(w, key) -%}
    coalesce(p_{{ w.suffix }}_{{ key }}, power({{ data_pipeline.double_literal(w.r[key]) }}, e))
{%- endmacro %}
