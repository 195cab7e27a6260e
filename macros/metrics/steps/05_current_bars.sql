{#- Step 5: the bars of the current date's segments, in order (metrics_bars_in_order): the 24 h
    before its snapshot end ('current_24h'), and the partial first day of each long window
    ('current_head_<suffix>': from snapshot end - days to the window's first midnight). Read as
    literal per-symbol time ranges from step 4's rows. -#}
{% macro metrics_step_current_bars() -%}
    {%- set dt = modules.datetime -%}
    {%- set epoch0 = dt.datetime(1970, 1, 1) -%}
    {%- set current = data_pipeline.metrics_stage('current') -%}
    {%- set current_rows = run_query('select symbol, metric_date, snapshot_end from ' ~ current).rows -%}
    {#- (kind, start and end as expressions of step 4's row, start and end in days before its snapshot and date) -#}
    {%- set kinds = [('current_24h', 'snapshot_end - 86400', 'snapshot_end', 1, none)] -%}
    {%- for w in data_pipeline.metrics_long_windows() -%}
        {%- do kinds.append(('current_head_' ~ w.suffix, 'snapshot_end - ' ~ (w.days * 86400),
                             'metric_date - ' ~ ((w.days - 1) * 86400), w.days, w.days - 1)) -%}
    {%- endfor -%}
    {%- set current_segments -%}
        (
            {%- for kind, seg_start, seg_end, start_days, end_days in kinds %}
            {%- set ranges = [] -%}
            {%- set starts = [] -%}
            {%- for row in current_rows -%}
                {%- set day, snapshot_end = row[1] | int, row[2] | int -%}
                {%- set low = snapshot_end - start_days * 86400 -%}
                {%- set high = snapshot_end if end_days is none else day - end_days * 86400 -%}
                {%- do starts.append(low) -%}
                {%- do ranges.append('(symbol = ' ~ data_pipeline.string_literal(row[0])
                    ~ ' and bar_at >= ' ~ data_pipeline.timestamp_literal(epoch0 + dt.timedelta(seconds=low))
                    ~ ' and bar_at < ' ~ data_pipeline.timestamp_literal(epoch0 + dt.timedelta(seconds=high)) ~ ')') -%}
            {%- endfor %}
            {% if not loop.first %}union all{% endif %}
            select
                source_bars.symbol,
                '{{ kind }}' as seg_kind,
                current_symbols.metric_date as seg_date,
                current_symbols.{{ seg_start }} as seg_start,
                current_symbols.{{ seg_end }} as seg_end,
                source_bars.bar_epoch,
                source_bars.high,
                source_bars.low,
                source_bars.close,
                source_bars.volume,
                source_bars.trades
            from (
                {{ data_pipeline.metrics_source_bars(data_pipeline.metrics_ranges_filter(ranges, starts),
                                                     materialize=true) }}
            ) as source_bars
            inner join {{ current }} as current_symbols
                on source_bars.symbol = current_symbols.symbol
            where
                source_bars.bar_epoch >= current_symbols.{{ seg_start }}
                and source_bars.bar_epoch < current_symbols.{{ seg_end }}
            {%- endfor %}
        ) as current_segments
    {%- endset -%}
    {{ return(data_pipeline.metrics_bars_in_order(current_segments)) }}
{%- endmacro %}

{#- Which bars to read for the current date's segments: on MySQL/MariaDB the literal per-symbol
    time ranges (index ranges on the bars' key); elsewhere one time bound, since a scan tests a
    long OR of ranges on every bar (the join to step 4's rows keeps the exact ranges). -#}
{% macro metrics_ranges_filter(ranges, starts) -%}
    {%- if not ranges -%}{{ return('(1 = 0)') }}{%- endif -%}
    {{ return(adapter.dispatch('metrics_ranges_filter', 'data_pipeline')(ranges, starts)) }}
{%- endmacro %}
{% macro default__metrics_ranges_filter(ranges, starts) -%}
    {{ return('bar_at >= ' ~ data_pipeline.metrics_epoch_literal(starts | min, 'timestamp')) }}
{%- endmacro %}
{% macro mysql__metrics_ranges_filter(ranges, starts) -%}
    {{ return('(' ~ (ranges | join(' or ')) ~ ')') }}
{%- endmacro %}
{% macro mariadb__metrics_ranges_filter(ranges, starts) -%}
    {{ return(data_pipeline.mysql__metrics_ranges_filter(ranges, starts)) }}
{%- endmacro %}
