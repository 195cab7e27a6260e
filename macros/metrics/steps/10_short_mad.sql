{#- Step 10: each short window's sum of absolute deviations of the typical price from its mean
    (CCI's mean absolute deviation, cci_abs_dev_sum): a second pass over the segments' bars, with
    each window's mean from step 3's partials. `bars`: metrics_bars_with_means. -#}
{% macro metrics_step_short_mad(bars) -%}
    select
        symbol,
        seg_kind,
        seg_date
        {%- for w in data_pipeline.metrics_short_windows() %}
        {%- set p = 'w' ~ w.suffix ~ '_' %}
        , sum(case when minutes_to_end <= {{ w.minutes }}
            then abs((typical - last_close) - {{ p }}typical_dev_sum / {{ p }}bar_count) end) as {{ p }}cci_abs_dev_sum
        {%- endfor %}
    from ({{ bars }}) as bars_with_means
    group by symbol, seg_kind, seg_date
{%- endmacro %}

{#- The recomputed days' bars for step 10: MySQL/MariaDB read step 2's table (in key order, so
    they can group in it); DuckDB reads the sane bars again, each matched to its day's segment. -#}
{% macro metrics_day_bars_with_means(day_bars, bar_filter) -%}
    {{ return(adapter.dispatch('metrics_day_bars_with_means', 'data_pipeline')(day_bars, bar_filter)) }}
{%- endmacro %}
{% macro default__metrics_day_bars_with_means(day_bars, bar_filter) -%}
    {%- set bars = '(' ~ data_pipeline.metrics_source_bars(bar_filter) ~ ')' -%}
    {%- set match = "segments.seg_kind = 'day' and segments.seg_date = "
        ~ data_pipeline.int_div('bars.bar_epoch', 86400) ~ ' * 86400' -%}
    {{ return(data_pipeline.metrics_bars_with_means(bars, match, 'segments')) }}
{%- endmacro %}
{% macro mysql__metrics_day_bars_with_means(day_bars, bar_filter) -%}
    {%- set match = 'segments.seg_kind = bars.seg_kind and segments.seg_date = bars.seg_date' -%}
    {{ return(data_pipeline.metrics_bars_with_means(day_bars, match, 'bars')) }}
{%- endmacro %}
{% macro mariadb__metrics_day_bars_with_means(day_bars, bar_filter) -%}
    {{ return(data_pipeline.mysql__metrics_day_bars_with_means(day_bars, bar_filter)) }}
{%- endmacro %}

{#- The current date's 24 h bars for step 10 (step 5's table). -#}
{% macro metrics_current_bars_with_means() -%}
    {%- set match = "segments.seg_kind = bars.seg_kind and segments.seg_date = bars.seg_date"
        ~ " and bars.seg_kind = 'current_24h'" -%}
    {{ return(data_pipeline.metrics_bars_with_means(data_pipeline.metrics_stage('current_bars'), match, 'bars')) }}
{%- endmacro %}

{#- The bars of `bars` (a relation or subquery), matched to their segment by `match`, with the
    segment's last close and each short window's bar count and anchored typical sum. The segment
    keys come from `keys_from` ('bars' where the bars have them, so that MySQL/MariaDB can group in
    their key order; else 'segments'). -#}
{% macro metrics_bars_with_means(bars, match, keys_from) -%}
    select
        bars.symbol,
        {{ keys_from }}.seg_kind,
        {{ keys_from }}.seg_date,
        {{ data_pipeline.int_div('segments.seg_end - bars.bar_epoch', 60) }} as minutes_to_end,
        (bars.high + bars.low + bars.close) / 3 as typical,
        segments.last_close
        {%- for w in data_pipeline.metrics_short_windows() %}
        , segments.w{{ w.suffix }}_typical_dev_sum
        , segments.w{{ w.suffix }}_bar_count
        {%- endfor %}
    from {{ bars }} as bars
    inner join {{ data_pipeline.metrics_stage('segments') }} as segments
        on bars.symbol = segments.symbol and {{ match }}
{%- endmacro %}
