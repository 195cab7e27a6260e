{#- Step 2: the bars of every recomputed day, each in its UTC day's segment, in order. A segment is
    a run of one symbol's bars that the partials (step 3) summarize: a whole day ('day') here; the
    current date's (step 5) are the 24 hours before its snapshot ('current_24h') and the partial
    first day of each long window ('current_head_7d', 'current_head_30d'). -#}
{% macro metrics_step_day_bars(bar_filter) -%}
    {%- set day = data_pipeline.int_div('bar_epoch', 86400) ~ ' * 86400' -%}
    {%- set day_segments -%}
        (
            select
                symbol,
                'day' as seg_kind,
                {{ day }} as seg_date,
                {{ day }} as seg_start,
                {{ day }} + 86400 as seg_end,
                bar_epoch,
                high,
                low,
                close,
                volume,
                trades
            from ({{ data_pipeline.metrics_source_bars(bar_filter) }}) as source_bars
        ) as day_segments
    {%- endset -%}
    {{ return(data_pipeline.metrics_bars_in_order(day_segments)) }}
{%- endmacro %}

{#- Each bar of `segments` (symbol, seg_kind, seg_date, seg_start, seg_end and the bar) with its
    place in its segment: minutes_to_end (1 for the segment's last minute), bars_after (bars after
    it in the segment), the segment's last close, its typical price, and the previous bar of the
    segment (prev_epoch, prev_close, prev_high, prev_low; NULL for the segment's first bar). -#}
{% macro metrics_bars_in_order(segments) -%}
    {%- set segment = 'partition by symbol, seg_date, seg_start' -%}
    select
        symbol,
        {{ data_pipeline.cast_string('seg_kind', 16) }} as seg_kind,
        seg_date,
        seg_start,
        seg_end,
        bar_epoch,
        {{ data_pipeline.int_div('seg_end - bar_epoch', 60) }} as minutes_to_end,
        high,
        low,
        close,
        volume,
        trades,
        (high + low + close) / 3 as typical,
        lag(bar_epoch) over ({{ segment }} order by bar_epoch) as prev_epoch,
        lag(close) over ({{ segment }} order by bar_epoch) as prev_close,
        lag(high) over ({{ segment }} order by bar_epoch) as prev_high,
        lag(low) over ({{ segment }} order by bar_epoch) as prev_low,
        count(*) over ({{ segment }}) - row_number() over ({{ segment }} order by bar_epoch) as bars_after,
        last_value(close) over (
            {{ segment }} order by bar_epoch rows between unbounded preceding and unbounded following
        ) as last_close
    from {{ segments }}
{%- endmacro %}

{#- Where step 2's bars live: MySQL/MariaDB keep them as a temporary table in key order, since
    steps 3, 6 and 10 read them in that order. DuckDB does not: writing 8.6 M wide rows cost more
    than the window pass itself (about 6 s of 8 at 100 symbols x 60 days), so step 3 aggregates the
    window pass directly and step 10 and the long windows read the bars again. Returns what the
    steps read: the table, or the query as a subquery. -#}
{% macro metrics_keep_day_bars(sql) -%}
    {{ return(adapter.dispatch('metrics_keep_day_bars', 'data_pipeline')(sql)) }}
{%- endmacro %}
{% macro default__metrics_keep_day_bars(sql) -%}
    {{ return('(' ~ sql ~ ')') }}
{%- endmacro %}
{% macro mysql__metrics_keep_day_bars(sql) -%}
    {%- set key = ['symbol', 'seg_kind', 'seg_date', 'bar_epoch'] -%}
    {%- do data_pipeline.metrics_create('day_bars', sql, key, temporary=true) -%}
    {{ return(data_pipeline.metrics_stage('day_bars')) }}
{%- endmacro %}
{% macro mariadb__metrics_keep_day_bars(sql) -%}
    {{ return(data_pipeline.mysql__metrics_keep_day_bars(sql)) }}
{%- endmacro %}
