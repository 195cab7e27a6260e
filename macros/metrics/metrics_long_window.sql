{#- Step 8 of ohlc_metrics_daily: a long window (7 d, 30 d) of every recomputed row, merged from
    the partials of the segments it covers: the whole days (D - days, D], plus on the current
    date the partial first day. Segments merge in time order (docs/metrics.md):
    - moments: each segment's mean mu_i (relative to the window's last close cl) and M2_i;
      s1 = sum n_i mu_i, s2 = sum (M2_i + n_i mu_i^2), so s2 - s1^2/n is the window's M2;
    - the differences between consecutive bars: each segment's own, plus its first bar against
      the previous segment's last bar (the previous bar in the window);
    - the exponential averages: X(r) = sum_i r^(bars after segment i) (G_i(r) + (A_i - c0) W_i(r)),
      G_i = sum r^e (c - A_i) over the segment, W_i = (1 - r^n_i) / (1 - r), A_i its last close;
    - the mean absolute deviation of the typical price: per whole day one lookup in the sorted
      typical prices (count and sum below the window's mean), the partial day directly; for all
      long windows together, by metrics_long_mads once every window's partials are merged. -#}
{% macro metrics_long_window(w) -%}
    {%- set stage = data_pipeline.metrics_stage -%}
    {%- set d = data_pipeline.double_literal -%}
    {%- set sfx = w.suffix -%}
    {%- set part = "partition by symbol, metric_date" -%}
    {%- set pairs_sql -%}
        select
            ordered.*,
            (ordered.anchor - ordered.cl) + ordered.a_s1 / ordered.a_n as mu,
            (ordered.anchor - ordered.cl) + ordered.a_tp1 / ordered.a_n as tmu
            {%- for key in ['f', 's', 'q'] %}
            , power({{ d(w.r[key]) }}, ordered.n_after) * (ordered.g_{{ key }} + (ordered.anchor - ordered.c0)
                * (1 - power({{ d(w.r[key]) }}, ordered.a_n)) / {{ d(1 - w.r[key]) }}) as x_{{ key }}
            {%- endfor %}
        from (
            select
                covered.*,
                coalesce(sum(covered.a_n) over ({{ part }} order by seg_start desc rows between unbounded preceding and 1 preceding), 0) as n_after,
                lag(covered.anchor) over ({{ part }} order by seg_start) as prev_close,
                lag(covered.last_high) over ({{ part }} order by seg_start) as prev_high,
                lag(covered.last_low) over ({{ part }} order by seg_start) as prev_low,
                first_value(covered.a_c0) over ({{ part }} order by seg_start) as c0,
                first_value(covered.anchor) over ({{ part }} order by seg_start desc) as cl,
                first_value(covered.last_tp) over ({{ part }} order by seg_start desc) as tpl
            from (
                select
                    s.symbol,
                    s.metric_date,
                    g.seg_kind,
                    g.seg_date,
                    g.seg_start,
                    g.anchor,
                    g.last_high,
                    g.last_low,
                    g.last_tp,
                    g.first_high,
                    g.first_low,
                    g.first_volume,
                    {%- for col in ['n', 's1', 's2', 'cmin', 'cmax', 'vsum', 'cv', 'tsum', 'tcnt', 'tp1', 'tp2', 'tpmin', 'tpmax',
                                    'c0', 'gain', 'loss', 'trin', 'obv', 'dp', 'dm'] %}
                    g.w24h_{{ col }} as a_{{ col }},
                    {%- endfor %}
                    g.a_g{{ sfx }}_f as g_f,
                    g.a_g{{ sfx }}_s as g_s,
                    g.a_g{{ sfx }}_q as g_q
                from {{ stage('snapshots') }} as s
                inner join {{ stage('segments') }} as g
                    on s.symbol = g.symbol
                    and (
                        (g.seg_kind = 'day' and g.seg_date > s.metric_date - {{ w.days * 86400 }} and g.seg_date <= s.metric_date)
                        or (s.is_current = 1 and g.seg_kind = 'h{{ sfx }}' and g.seg_date = s.metric_date)
                    )
            ) as covered
        ) as ordered
    {%- endset -%}
    {%- do data_pipeline.metrics_create('long_' ~ sfx ~ '_pairs', pairs_sql) -%}

    {%- set has_previous = 'prev_close is not null' -%}
    {%- set combined_sql -%}
        select
            symbol,
            metric_date,
            max(cl) as cl,
            max(c0) as c0,
            max(tpl) as tpl,
            sum(a_n) as n,
            sum(a_n * mu) as s1,
            sum((a_s2 - a_s1 * a_s1 / a_n) + a_n * mu * mu) as s2,
            min(a_cmin) as cmin,
            max(a_cmax) as cmax,
            sum(a_vsum) as vsum,
            sum(a_cv) as cv,
            sum(a_tsum) as tsum,
            sum(a_tcnt) as tcnt,
            sum(a_n * tmu) as tp1,
            sum((a_tp2 - a_tp1 * a_tp1 / a_n) + a_n * tmu * tmu) as tp2,
            min(a_tpmin) as tpmin,
            max(a_tpmax) as tpmax,
            sum(coalesce(a_gain, 0) + case when {{ has_previous }} then greatest(a_c0 - prev_close, 0) else 0 end) as gain,
            sum(coalesce(a_loss, 0) + case when {{ has_previous }} then greatest(prev_close - a_c0, 0) else 0 end) as loss,
            sum(coalesce(a_trin, 0) + case when {{ has_previous }}
                then greatest(first_high - first_low, abs(first_high - prev_close), abs(first_low - prev_close))
                else first_high - first_low end) as tr,
            sum(coalesce(a_obv, 0) + case when {{ has_previous }} then coalesce(sign(a_c0 - prev_close) * first_volume, 0) else 0 end) as obv,
            sum(coalesce(a_dp, 0) + case when {{ has_previous }} then greatest(first_high - prev_high, 0) else 0 end) as dp,
            sum(coalesce(a_dm, 0) + case when {{ has_previous }} then greatest(prev_low - first_low, 0) else 0 end) as dm,
            sum(x_f) as xf,
            sum(x_s) as xs,
            sum(x_q) as xq
        from {{ stage('long_' ~ sfx ~ '_pairs') }}
        group by symbol, metric_date
    {%- endset -%}
    {%- do data_pipeline.metrics_create('long_' ~ sfx, combined_sql, ['symbol', 'metric_date']) -%}

{%- endmacro %}

{#- The mean absolute deviation of the typical price over the whole days of each row's long
    windows: per (w, symbol, metric_date), the sum over its whole days of |tp - mean| (the partial
    first day of a current date is added by metrics_long_mads). `day_pairs` is a query of the
    (window, row, day) triples (metrics_day_pairs); `first_day` (epoch seconds, or none for every
    day) the oldest day the rows' windows cover. -#}
{% macro metrics_whole_day_mads(day_pairs, first_day=none) -%}
    {{ return(adapter.dispatch('metrics_whole_day_mads', 'data_pipeline')(day_pairs, first_day)) }}
{%- endmacro %}

{#- The long windows' mean absolute deviation of the typical price: the whole days of every long
    window in one statement (metrics_whole_day_mads: each day's bars or sorted prices are read
    once for both windows), then per window plus, on the current date, its partial first day
    directly. `start`: the first recomputed date (none: every date). -#}
{% macro metrics_long_mads(start) -%}
    {%- set stage = data_pipeline.metrics_stage -%}
    {%- set windows = data_pipeline.metrics_long_windows() -%}
    {%- set day_pairs -%}
        {%- for w in windows %}
        {% if not loop.first %}union all{% endif %}
        select '{{ w.suffix }}' as w, day_pairs.*
        from ({{ data_pipeline.metrics_day_pairs(stage('long_' ~ w.suffix ~ '_pairs'), stage('long_' ~ w.suffix)) }}) as day_pairs
        {%- endfor %}
    {%- endset -%}
    {%- set first_day = none if start is none else start - ((windows | map(attribute='days') | max) - 1) * 86400 -%}
    {%- do data_pipeline.metrics_create('long_lookups', data_pipeline.metrics_whole_day_mads(day_pairs, first_day)) -%}
    {%- for w in windows -%}
    {%- set sfx = w.suffix -%}
    {%- set mad_sql -%}
        select
            day_mad.symbol,
            day_mad.metric_date,
            coalesce(day_mad.mad, 0) + coalesce(head_mad.mad, 0) as mad
        from (
            select symbol, metric_date, mad
            from {{ stage('long_lookups') }}
            where w = '{{ sfx }}'
        ) as day_mad
        left join (
            select
                b.symbol,
                c.metric_date,
                sum(abs((b.tp - c.cl) - c.tp1 / c.n)) as mad
            from {{ stage('current_bars') }} as b
            inner join {{ stage('long_' ~ sfx) }} as c
                on b.symbol = c.symbol and b.seg_date = c.metric_date
            where b.seg_kind = 'h{{ sfx }}'
            group by b.symbol, c.metric_date
        ) as head_mad
            on day_mad.symbol = head_mad.symbol and day_mad.metric_date = head_mad.metric_date
    {%- endset -%}
    {%- do data_pipeline.metrics_create('long_' ~ sfx ~ '_mad', mad_sql, ['symbol', 'metric_date']) -%}
    {%- endfor -%}
{%- endmacro %}

{% macro metrics_day_pairs(pairs, combined) -%}
    select
        p.symbol,
        p.metric_date,
        p.seg_date,
        p.a_n,
        p.a_tp1,
        (c.cl - p.anchor) + c.tp1 / c.n as m_d,
        c.cl + c.tp1 / c.n as mean_tp
    from {{ pairs }} as p
    inner join {{ combined }} as c
        on p.symbol = c.symbol and p.metric_date = c.metric_date
    where p.seg_kind = 'day'
{%- endmacro %}

{#- DuckDB: directly, each (row, day) pair joined to the day's bars (a hash join on symbol and
    day): at most 37 terms per bar, summed per row, grouped by an integer row id (cheaper than the
    row's text key). Sorted prices and an as-of join cost more on DuckDB (docs/metrics.md, "CCI's
    mean absolute deviation"). The mean is absolute (cl + tp1 / n), so no anchor is needed:
    |tp - mean| is summed as the reference sums it. -#}
{% macro default__metrics_whole_day_mads(day_pairs, first_day) -%}
    {%- set dt = modules.datetime -%}
    {%- set bar_filter = '1 = 1' if first_day is none else
        'bar_at >= ' ~ data_pipeline.timestamp_literal(dt.datetime(1970, 1, 1) + dt.timedelta(seconds=first_day)) -%}
    with pairs as materialized (
        select
            cast(dense_rank() over (order by w, symbol, metric_date) as integer) as row_id,
            day_pairs.*
        from ({{ day_pairs }}) as day_pairs
    ),

    day_bars as (
        select
            symbol,
            {{ data_pipeline.int_div('ts', 86400) }} * 86400 as seg_date,
            (h + l + c) / 3 as tp
        from ({{ data_pipeline.metrics_source_bars(bar_filter) }}) as source_bars
    ),

    deviations as (
        select
            pairs.row_id,
            sum(abs(day_bars.tp - pairs.mean_tp)) as mad
        from pairs
        inner join day_bars
            on pairs.symbol = day_bars.symbol and pairs.seg_date = day_bars.seg_date
        group by pairs.row_id
    ),

    row_keys as (
        select distinct row_id, w, symbol, metric_date
        from pairs
    )

    select
        row_keys.w,
        row_keys.symbol,
        row_keys.metric_date,
        deviations.mad
    from row_keys
    inner join deviations
        on row_keys.row_id = deviations.row_id
{%- endmacro %}

{#- MySQL/MariaDB evaluate every expression row by row, so a direct sum would cost one row
    evaluation per (row, day, bar) of a backfill. Instead, one ordered lookup per (row, day) into step 5's sorted
    typical prices: the count (nb) and anchored sum (sb) of the day's prices at or below the
    window's mean m_d (anchored at the day's last close); the day's deviation is then
    (m_d nb - sb) + ((sum - sb) - m_d (n - nb)). -#}
{% macro mysql__metrics_whole_day_mads(day_pairs, first_day) -%}
    select
        w,
        symbol,
        metric_date,
        sum((m_d * nb - sb) + ((a_tp1 - sb) - m_d * (a_n - nb))) as mad
    from ({{ data_pipeline.metrics_bucketed_price_lookup(day_pairs, data_pipeline.metrics_stage('typical_prices')) }}) as lookups
    group by w, symbol, metric_date
{%- endmacro %}
{% macro mariadb__metrics_whole_day_mads(day_pairs, first_day) -%}{{ data_pipeline.mysql__metrics_whole_day_mads(day_pairs, first_day) }}{%- endmacro %}

{#- MySQL/MariaDB's lookup itself (not dispatched; only mysql__metrics_whole_day_mads calls it): a
    descending index probe on the bucket heads, then within one bucket. -#}
{% macro metrics_bucketed_price_lookup(day_pairs, typical) -%}
    {%- set buckets = data_pipeline.metrics_stage('typical_buckets') -%}
    select
        p.*,
        coalesce(t.cum_n, 0) as nb,
        coalesce(t.cum_s, 0) as sb
    from (
        select
            in_bucket.*,
            (
                select max(below.rn)
                from {{ typical }} as below
                where below.symbol = in_bucket.symbol
                    and below.seg_date = in_bucket.seg_date
                    and below.bkt = in_bucket.hit_bkt
                    and below.tpa <= in_bucket.m_d
            ) as hit
        from (
            select
                day_pairs.*,
                (
                    select max(heads.bkt)
                    from {{ buckets }} as heads
                    where heads.symbol = day_pairs.symbol and heads.seg_date = day_pairs.seg_date and heads.lo <= day_pairs.m_d
                ) as hit_bkt
            from ({{ day_pairs }}) as day_pairs
            -- never merged into the queries around it: merged, a lookup would be re-run for
            -- every row it is joined to (100x slower)
            {{ data_pipeline.no_merge_limit() }}
        ) as in_bucket
        {{ data_pipeline.no_merge_limit() }}
    ) as p
    left join {{ typical }} as t
        on p.symbol = t.symbol and p.seg_date = t.seg_date and p.hit_bkt = t.bkt and p.hit = t.rn
{%- endmacro %}
