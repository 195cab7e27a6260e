{#- The steps of ohlc_metrics_daily, run by its pre-hook (docs/metrics.md, "How it is computed"):
    metrics_prepare is the driver, step by step; the SQL of each step is in the macros below and in
    metrics_segment_stats.sql, metrics_long_window.sql and metrics_window_values.sql. They live in
    macros rather than intermediate models so that `dbt run --select ohlc_metrics_daily` does all
    the work by itself. Step tables are named ohlc_metrics_daily__<step> (metrics_plumbing.sql
    creates, runs and drops them); which dates a run recomputes is metrics_plan.sql. -#}

{#- Within-segment order: the previous bar, the bars after (e), the last close (anchor), the
    minutes before the segment's end (k). `segments`: symbol, seg_kind, seg_date, seg_start,
    seg_end, ts, h, l, c, v, t. -#}
{% macro metrics_enriched_bars(segments) -%}
    select
        symbol,
        {{ data_pipeline.cast_string('seg_kind', 8) }} as seg_kind,
        seg_date,
        seg_start,
        seg_end,
        ts,
        {{ data_pipeline.int_div('seg_end - ts', 60) }} as k,
        h,
        l,
        c,
        v,
        t,
        (h + l + c) / 3 as tp,
        lag(ts) over (partition by symbol, seg_date, seg_start order by ts) as prev_ts,
        lag(c) over (partition by symbol, seg_date, seg_start order by ts) as pc,
        lag(h) over (partition by symbol, seg_date, seg_start order by ts) as ph,
        lag(l) over (partition by symbol, seg_date, seg_start order by ts) as pl,
        count(*) over (partition by symbol, seg_date, seg_start)
            - row_number() over (partition by symbol, seg_date, seg_start order by ts) as e,
        last_value(c) over (
            partition by symbol, seg_date, seg_start order by ts rows between unbounded preceding and unbounded following
        ) as anchor
    from {{ segments }}
{%- endmacro %}

{#- The sane bars `filter` selects. With `materialize`, on MySQL/MariaDB the derived table is
    never merged into a join around it: merged, the optimizer drove the join from the current
    symbols and read every bar of each by its key, then filtered (docs/metrics.md has the figures). -#}
{% macro metrics_source_bars(filter, materialize=false) -%}
    select
        symbol,
        {{ data_pipeline.epoch_seconds('bar_at') }} as ts,
        high as h,
        low as l,
        close as c,
        volume as v,
        trades as t
    from {{ ref('stg_ohlcvt') }}
    where {{ filter }}
    {%- if materialize %}
    {{ data_pipeline.no_merge_limit() }}
    {%- endif %}
{%- endmacro %}

{#- A LIMIT that changes nothing but keeps MySQL/MariaDB from merging a derived table into the
    query around it; nothing elsewhere. -#}
{% macro no_merge_limit() -%}
    {{ return(adapter.dispatch('no_merge_limit', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__no_merge_limit() -%}{%- endmacro %}
{% macro mysql__no_merge_limit() -%}limit 18446744073709551615{%- endmacro %}
{% macro mariadb__no_merge_limit() -%}{{ data_pipeline.mysql__no_merge_limit() }}{%- endmacro %}

{% macro metrics_prepare() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- do data_pipeline.metrics_lock() -%}
    {%- set plan = data_pipeline.metrics_plan() -%}
    {%- set start = plan.start -%}
    {%- set stage = data_pipeline.metrics_stage -%}
    {%- set dt = modules.datetime -%}
    {%- if start is none -%}
        {{ log('ohlc_metrics_daily: full build from every bar', info=true) }}
        {%- set bar_filter = '1 = 1' -%}
    {%- else -%}
        {{ log('ohlc_metrics_daily: recomputing from ' ~ (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=start)).date(), info=true) }}
        {%- set bar_filter = data_pipeline.symbol_scan_hint('symbol') ~ ' and '
            ~ data_pipeline.metrics_recomputed(plan, 'symbol', 'bar_at', 'timestamp') -%}
    {%- endif -%}
    {#- from here on the persistent step tables change: a run that dies is finished by the next -#}
    {%- do data_pipeline.metrics_pending_record(plan) -%}

    {#- 1. The bars of every recomputed day, each a 'day' segment. -#}
    {%- set day_segments -%}
        (
            select
                symbol,
                'day' as seg_kind,
                {{ data_pipeline.int_div('ts', 86400) }} * 86400 as seg_date,
                {{ data_pipeline.int_div('ts', 86400) }} * 86400 as seg_start,
                {{ data_pipeline.int_div('ts', 86400) }} * 86400 + 86400 as seg_end,
                ts, h, l, c, v, t
            from ({{ data_pipeline.metrics_source_bars(bar_filter) }}) as source_bars
        ) as day_segments
    {%- endset -%}
    {%- do data_pipeline.metrics_session_setup() -%}
    {%- do data_pipeline.metrics_create('powers', data_pipeline.metrics_powers_sql(), ['p_e']) -%}
    {%- set enriched_sql = data_pipeline.metrics_enriched_bars(day_segments) -%}
    {%- if data_pipeline.metrics_stores_day_bars() -%}
        {%- do data_pipeline.metrics_create('day_bars', enriched_sql, ['symbol', 'seg_kind', 'seg_date', 'ts'], temporary=true) -%}
        {%- set enriched = stage('day_bars') -%}
    {%- else -%}
        {%- set enriched = '(' ~ enriched_sql ~ ')' -%}
    {%- endif -%}

    {#- 2. Partials per segment (persistent: the long windows of later runs read old days). -#}
    {%- set segments = stage('segments') -%}
    {%- if start is none -%}
        {%- do data_pipeline.metrics_create('segments', data_pipeline.metrics_segment_stats(enriched), ['symbol', 'seg_kind', 'seg_date']) -%}
    {%- else -%}
        {%- do data_pipeline.metrics_execute('segments: delete', 'delete from ' ~ segments ~ " where seg_kind <> 'day' or "
            ~ data_pipeline.metrics_recomputed(plan, 'symbol', 'seg_date')) -%}
        {%- do data_pipeline.metrics_execute('segments: days', 'insert into ' ~ segments ~ ' ' ~ data_pipeline.metrics_segment_stats(enriched)) -%}
    {%- endif -%}

    {#- What step 7 reads of the recomputed days' bars: the stored step-1 table, or (where it is
        not stored) the bars again, each matched to its day's segment for the anchor. -#}
    {%- if data_pipeline.metrics_stores_day_bars() -%}
        {%- set day_source = (stage('day_bars'), 'segments.seg_kind = bars.seg_kind and segments.seg_date = bars.seg_date', 'bars') -%}
    {%- else -%}
        {%- set day_source = ('(' ~ data_pipeline.metrics_source_bars(bar_filter) ~ ')',
            "segments.seg_kind = 'day' and segments.seg_date = " ~ data_pipeline.int_div('bars.ts', 86400) ~ ' * 86400', 'segments') -%}
    {%- endif -%}

    {#- 3. The current date (the newest bar's) and, per symbol with a bar on it that is not the
        day's last minute, its snapshot end. A symbol whose current date is complete (a bar at
        23:59) is snapshotted at midnight like any other date, and needs no segments of its own:
        the 24 h before its snapshot are its day segment, and its long windows start at midnight. -#}
    {%- set current_sql -%}
        select
            segments.symbol,
            segments.seg_date as metric_date,
            segments.last_ts + 60 as snapshot_end
        from {{ segments }} as segments
        inner join (select max(seg_date) as current_day from {{ segments }} where seg_kind = 'day') as today
            on segments.seg_date = today.current_day
        where segments.seg_kind = 'day' and segments.last_ts + 60 < segments.seg_date + 86400
    {%- endset -%}
    {%- do data_pipeline.metrics_create('current', current_sql) -%}

    {#- 4. The current date's segments: the 24 h before its snapshot end ('c1'), and the partial
        first day of each long window ('h7d', 'h30d'). Read as literal ranges per symbol. -#}
    {%- set current_rows = run_query('select symbol, metric_date, snapshot_end from ' ~ stage('current')).rows -%}
    {%- set kinds = [('c1', 'snapshot_end - 86400', 'snapshot_end', 1, 0)] -%}
    {%- for w in data_pipeline.metrics_long_windows() -%}
        {%- do kinds.append(('h' ~ w.suffix, 'snapshot_end - ' ~ (w.days * 86400), 'metric_date - ' ~ ((w.days - 1) * 86400), w.days, w.days - 1)) -%}
    {%- endfor -%}
    {%- set epoch0 = dt.datetime(1970, 1, 1) -%}
    {%- set current_segments -%}
        (
            {%- for kind, low, high, end_days, day_days in kinds %}
            {%- set ranges = [] -%}
            {%- set lows = [] -%}
            {%- for row in current_rows -%}
                {%- set day, end = row[1] | int, row[2] | int -%}
                {%- set lo = end - end_days * 86400 -%}
                {%- set hi = end if kind == 'c1' else day - day_days * 86400 -%}
                {%- do lows.append(lo) -%}
                {%- do ranges.append('(symbol = ' ~ data_pipeline.string_literal(row[0])
                    ~ ' and bar_at >= ' ~ data_pipeline.timestamp_literal(epoch0 + dt.timedelta(seconds=lo))
                    ~ ' and bar_at < ' ~ data_pipeline.timestamp_literal(epoch0 + dt.timedelta(seconds=hi)) ~ ')') -%}
            {%- endfor %}
            {% if not loop.first %}union all{% endif %}
            select
                source_bars.symbol,
                '{{ kind }}' as seg_kind,
                current_symbols.metric_date as seg_date,
                current_symbols.{{ low }} as seg_start,
                current_symbols.{{ high }} as seg_end,
                source_bars.ts, source_bars.h, source_bars.l, source_bars.c, source_bars.v, source_bars.t
            from ({{ data_pipeline.metrics_source_bars(data_pipeline.metrics_ranges_filter(ranges, lows), materialize=true) }}) as source_bars
            inner join {{ stage('current') }} as current_symbols
                on source_bars.symbol = current_symbols.symbol
            where source_bars.ts >= current_symbols.{{ low }} and source_bars.ts < current_symbols.{{ high }}
            {%- endfor %}
        ) as current_segments
    {%- endset -%}
    {%- do data_pipeline.metrics_create('current_bars', data_pipeline.metrics_enriched_bars(current_segments)) -%}
    {%- do data_pipeline.metrics_execute('segments: current', 'insert into ' ~ segments ~ ' ' ~ data_pipeline.metrics_segment_stats(stage('current_bars'))) -%}

    {#- 5. MySQL/MariaDB: each day's typical prices (anchored at the day's last close), sorted,
        with running counts and sums, so that the mean absolute deviation of a long window is one
        lookup per (row, day) (persistent; metrics_whole_day_mads). The prices also carry their
        rank in the day (rn), and the lowest price of each bucket of `bucket_rows` ranks goes into
        `__typical_buckets`, so that a lookup reads one bucket instead of half a day. One row per
        bar: equal prices are peers of the range frame, so each carries the count and sum of every
        price at or below it (almost every price is distinct, so grouping them first only costs
        time; docs/metrics.md). The primary key is (symbol, day, bkt, rn), declared as
        small integers: a smaller table is written faster. DuckDB keeps no sorted prices: it sums
        the deviations directly (metrics_whole_day_mads). -#}
    {%- set bucket_rows = data_pipeline.metrics_typical_bucket_rows() -%}
    {%- if bucket_rows -%}
    {%- set typical_window = 'partition by symbol, seg_date order by tp - anchor' -%}
    {%- set typical_columns = ['symbol', 'seg_date', 'bkt', 'rn', 'tpa', 'cum_n', 'cum_s'] -%}
    {%- set typical_sql -%}
        select
            symbol,
            seg_date,
            {{ data_pipeline.int_div('row_number() over (' ~ typical_window ~ ') - 1', bucket_rows) }} as bkt,
            row_number() over ({{ typical_window }}) as rn,
            tp - anchor as tpa,
            count(*) over prices_below as cum_n,
            sum(tp - anchor) over prices_below as cum_s
        from {{ stage('day_bars') }} as day_bars
        window prices_below as ({{ typical_window }} range between unbounded preceding and current row)
    {%- endset -%}
    {%- set typical_key = ['symbol', 'seg_date', 'bkt', 'rn'] -%}
    {%- set typical_types = {'bkt': 'smallint unsigned not null', 'rn': 'int unsigned not null', 'cum_n': 'int unsigned not null'} -%}
    {%- set buckets_sql -%}
        select symbol, seg_date, bkt, min(tpa) as lo
        from {{ stage('typical_prices') }}
        {%- if start is not none %}
        where {{ data_pipeline.symbol_scan_hint('symbol') }} and {{ data_pipeline.metrics_recomputed(plan, 'symbol', 'seg_date') }}
        {%- endif %}
        group by symbol, seg_date, bkt
    {%- endset -%}
    {%- if start is none -%}
        {%- do data_pipeline.metrics_create('typical_prices', typical_sql, typical_key, column_types=typical_types) -%}
        {%- do data_pipeline.metrics_create('typical_buckets', buckets_sql, ['symbol', 'seg_date', 'bkt']) -%}
    {%- else -%}
        {#- naming the symbols makes this a key range per symbol on MySQL/MariaDB, not a scan -#}
        {%- for name in ['typical_prices', 'typical_buckets'] -%}
            {%- do data_pipeline.metrics_execute(name ~ ': delete', 'delete from ' ~ stage(name) ~ ' where '
                ~ data_pipeline.symbol_scan_hint('symbol') ~ ' and ' ~ data_pipeline.metrics_recomputed(plan, 'symbol', 'seg_date')) -%}
        {%- endfor -%}
        {%- do data_pipeline.metrics_execute('typical_prices: insert', 'insert into ' ~ stage('typical_prices') ~ ' (' ~ typical_columns | join(', ') ~ ') ' ~ typical_sql) -%}
        {%- do data_pipeline.metrics_execute('typical_buckets: insert', 'insert into ' ~ stage('typical_buckets') ~ ' ' ~ buckets_sql) -%}
    {%- endif -%}
    {%- endif -%}

    {#- 6. The rows to (re)compute: every date from a symbol's first bar's through its latest bar's. -#}
    {%- set span = run_query("select max(last_day - first_day) from (select min(seg_date) as first_day, max(seg_date) as last_day from "
                             ~ segments ~ " where seg_kind = 'day' group by symbol) as bounds").columns[0].values()[0] -%}
    {%- set span_days = ((span or 0) | int) // 86400 + 1 -%}
    {%- set snapshots_sql -%}
        select
            spine.symbol,
            spine.metric_date,
            coalesce(current_symbols.snapshot_end, spine.metric_date + 86400) as snapshot_end,
            case when current_symbols.symbol is null then 0 else 1 end as is_current
        from (
            select bounds.symbol, bounds.first_day + numbers.i * 86400 as metric_date
            from (
                select symbol, min(seg_date) as first_day, max(seg_date) as last_day
                from {{ segments }}
                where seg_kind = 'day'
                group by symbol
            ) as bounds
            inner join ({{ data_pipeline.number_series(span_days) }}) as numbers
                on bounds.first_day + numbers.i * 86400 <= bounds.last_day
            where {{ data_pipeline.metrics_recomputed(plan, 'bounds.symbol', 'bounds.first_day + numbers.i * 86400') }}
        ) as spine
        left join {{ stage('current') }} as current_symbols
            on spine.symbol = current_symbols.symbol and spine.metric_date = current_symbols.metric_date
    {%- endset -%}
    {%- do data_pipeline.metrics_create('snapshots', snapshots_sql, ['symbol', 'metric_date']) -%}

    {#- 6b. The table's rows from the recomputed dates on that have no snapshot any more: their
        bars were removed (a symbol's first or latest date moved). dbt's delete+insert replaces
        only the rows this run writes, so the post-hook deletes these (metrics_delete_vanished),
        in the same transaction as the insert. Empty on a first run and a full refresh. -#}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- set vanished_sql -%}
        {%- if existing is not none and not flags.FULL_REFRESH %}
        select metrics.symbol, metrics.metric_date
        from {{ this }} as metrics
        where
            metrics.metric_date >= {{ data_pipeline.metrics_epoch_literal(plan.first or 0, 'date') }}
            and {{ data_pipeline.metrics_recomputed(plan, 'metrics.symbol', 'metrics.metric_date', 'date') }}
            and not exists (
                select 1
                from {{ stage('snapshots') }} as snapshots
                where
                    snapshots.symbol = metrics.symbol
                    and snapshots.metric_date = {{ data_pipeline.epoch_seconds('metrics.metric_date') }}
            )
        {%- else %}
        select symbol, {{ data_pipeline.cast_date(data_pipeline.from_epoch_seconds('metric_date')) }} as metric_date
        from {{ stage('snapshots') }}
        where 1 = 0
        {%- endif %}
    {%- endset -%}
    {%- do data_pipeline.metrics_create('vanished', vanished_sql) -%}

    {#- 7. The short windows' mean absolute deviation of the typical price: a second pass over the
        recomputed days' bars, with each window's mean from step 4. -#}
    {%- set short_mad_select -%}
        select
            symbol,
            seg_kind,
            seg_date
            {%- for w in data_pipeline.metrics_short_windows() %}
            {%- set p = 'w' ~ w.suffix ~ '_' %}
            , sum(case when k <= {{ w.minutes }} then abs((tp - anchor) - {{ p }}tp1 / {{ p }}n) end) as {{ p }}mad
            {%- endfor %}
        from ({{ '{bars}' }}) as b
        group by symbol, seg_kind, seg_date
    {%- endset -%}
    {%- set current_source = (stage('current_bars'), "segments.seg_kind = bars.seg_kind and segments.seg_date = bars.seg_date and bars.seg_kind = 'c1'", 'bars') -%}
    {%- do data_pipeline.metrics_create('short_mad', short_mad_select.replace('{bars}', data_pipeline.metrics_bars_in_segments(day_source)), ['symbol', 'seg_kind', 'seg_date']) -%}
    {%- do data_pipeline.metrics_execute('short_mad: current', 'insert into ' ~ stage('short_mad') ~ ' ' ~ short_mad_select.replace('{bars}', data_pipeline.metrics_bars_in_segments(current_source))) -%}

    {#- 8. The long windows, merged from their days' partials, then their mean absolute deviation. -#}
    {%- for w in data_pipeline.metrics_long_windows() -%}
        {%- do data_pipeline.metrics_long_window(w) -%}
    {%- endfor -%}
    {%- do data_pipeline.metrics_long_mads(plan.first) -%}
    {{ return('') }}
{%- endmacro %}

{#- The post-hook that deletes the rows step 6b found without a snapshot (their bars are gone);
    usually there are none, and then it does nothing. The range on metric_date (the primary key's
    first column) keeps the delete from testing every row of the table. -#}
{% macro metrics_delete_vanished() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set vanished = data_pipeline.metrics_stage('vanished') -%}
    {%- set first = run_query('select min(metric_date) from ' ~ vanished).columns[0].values()[0] -%}
    {%- if first is none -%}{{ return('') }}{%- endif -%}
    {%- set sql -%}
        delete from {{ this }}
        where
            metric_date >= {{ data_pipeline.cast_date("'" ~ first ~ "'") }}
            and exists (
                select 1
                from {{ vanished }} as vanished
                where vanished.symbol = {{ this.identifier }}.symbol and vanished.metric_date = {{ this.identifier }}.metric_date
            )
    {%- endset -%}
    {%- do data_pipeline.metrics_execute('rows without bars: delete', sql) -%}
    {{ return('') }}
{%- endmacro %}

{#- Which bars to read for the current date's segments: on MySQL/MariaDB the literal per-symbol
    time ranges (index ranges on the bars' key); elsewhere one time bound, since a scan tests a
    long OR of ranges on every bar (the join to the current symbols keeps the exact ranges). -#}
{% macro metrics_ranges_filter(ranges, lows) -%}
    {%- if not ranges -%}{{ return('(1 = 0)') }}{%- endif -%}
    {{ return(adapter.dispatch('metrics_ranges_filter', 'data_pipeline')(ranges, lows)) }}
{%- endmacro %}
{% macro default__metrics_ranges_filter(ranges, lows) -%}
    {%- set dt = modules.datetime -%}
    {{ return('bar_at >= ' ~ data_pipeline.timestamp_literal(dt.datetime(1970, 1, 1) + dt.timedelta(seconds=lows | min))) }}
{%- endmacro %}
{% macro mysql__metrics_ranges_filter(ranges, lows) -%}
    {{ return('(' ~ (ranges | join(' or ')) ~ ')') }}
{%- endmacro %}
{% macro mariadb__metrics_ranges_filter(ranges, lows) -%}{{ return(data_pipeline.mysql__metrics_ranges_filter(ranges, lows)) }}{%- endmacro %}

{#- 0..n-1 as column i, from cross joins of digits (portable; no recursion limits). -#}
{% macro number_series(n) -%}
    {%- set digits = (n - 1) | string | length -%}
    select {% for d in range(digits) %}{% if not loop.first %} + {% endif %}d{{ d }}.i * {{ 10 ** d }}{% endfor %} as i
    from {% for d in range(digits) %}{% if not loop.first %} cross join {% endif %}(
        select 0 as i union all select 1 union all select 2 union all select 3 union all select 4
        union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
    ) as d{{ d }}{% endfor %}
{%- endmacro %}

{#- The bars of `source` (a relation or subquery of bars, the condition matching a bar to its
    segment, and which side's segment keys to return: the bars' own where they have them, so
    that MySQL/MariaDB can group in their key order), each with its segment's anchor and the
    short windows' counts and anchored sums of the typical price: what steps 5 and 7 read. -#}
{% macro metrics_bars_in_segments(source) -%}
    select
        bars.symbol,
        {{ source[2] }}.seg_kind,
        {{ source[2] }}.seg_date,
        {{ data_pipeline.int_div('segments.seg_end - bars.ts', 60) }} as k,
        (bars.h + bars.l + bars.c) / 3 as tp,
        segments.anchor
        {%- for w in data_pipeline.metrics_short_windows() %}
        , segments.w{{ w.suffix }}_tp1
        , segments.w{{ w.suffix }}_n
        {%- endfor %}
    from {{ source[0] }} as bars
    inner join {{ data_pipeline.metrics_stage('segments') }} as segments
        on bars.symbol = segments.symbol and {{ source[1] }}
{%- endmacro %}

{#- Whether step 1's bars are stored as a table. MySQL/MariaDB: yes, with their key, since
    steps 2, 5 and 7 read them in key order. DuckDB: no; writing 8.6 M wide rows cost more than
    the window pass itself (about 6 s of 8 at 100 symbols x 60 days), so step 2 aggregates the
    window pass directly, and step 7 and the long windows read the bars again. -#}
{% macro metrics_stores_day_bars() -%}
    {{ return(adapter.dispatch('metrics_stores_day_bars', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__metrics_stores_day_bars() -%}{{ return(false) }}{%- endmacro %}
{% macro mysql__metrics_stores_day_bars() -%}{{ return(true) }}{%- endmacro %}
{% macro mariadb__metrics_stores_day_bars() -%}{{ return(data_pipeline.mysql__metrics_stores_day_bars()) }}{%- endmacro %}

{#- r^e for every ratio r of the exponential averages and e = 0..1439 (a segment holds at most
    1,440 minute bars): step 2 looks the weights up instead of calling power() 24 times per bar
    (a large share of its time; docs/metrics.md). The same power() computes
    them, so the weights are the same doubles (and step 2 falls back to power() past the end). -#}
{% macro metrics_powers_sql() -%}
    select
        numbers.i as p_e
        {%- for w in data_pipeline.metrics_windows() %}
        {%- for key in ['f', 's', 'q'] %}
        , power({{ data_pipeline.double_literal(w.r[key]) }}, numbers.i) as p_{{ w.suffix }}_{{ key }}
        {%- endfor %}
        {%- endfor %}
    from ({{ data_pipeline.number_series(1440) }}) as numbers
    where numbers.i < 1440
{%- endmacro %}

{#- How many typical prices of a day form a bucket for the long windows' lookups, or none.
    MySQL/MariaDB: 64. They run a correlated lookup as a read of the day's prices from the top
    down until one is at or below the mean (about half a day per lookup);
    with buckets, a lookup reads the day's bucket heads (about 23) and one bucket (at most 64).
    DuckDB: none; it keeps no sorted prices (metrics_whole_day_mads). -#}
{% macro metrics_typical_bucket_rows() -%}
    {{ return(adapter.dispatch('metrics_typical_bucket_rows', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__metrics_typical_bucket_rows() -%}{{ return(none) }}{%- endmacro %}
{% macro mysql__metrics_typical_bucket_rows() -%}{{ return(64) }}{%- endmacro %}
{% macro mariadb__metrics_typical_bucket_rows() -%}{{ return(data_pipeline.mysql__metrics_typical_bucket_rows()) }}{%- endmacro %}
