{#- Which bars an incremental run of int_bars_6h re-aggregates. Per symbol: every bar from the
    start of its newest 6h bucket already in the table (that bucket may have been partial), or
    from the var recompute_from when that is earlier (late bars, corrected bars). A symbol new to
    the table: all of its bars. Written as literal per-symbol ranges, so MySQL/MariaDB range-scan
    the bars key instead of reading every bar. The first build takes every bar. -#}
{% macro bars_6h_filter(symbol_column='symbol', time_column='bar_at') -%}
    {%- if not (execute and is_incremental()) -%}
        (1 = 1)
    {%- else -%}
        {%- set dt = modules.datetime -%}
        {%- set recompute_from = var('recompute_from', none) -%}
        {%- set floor_epoch = none -%}
        {%- if recompute_from is not none and recompute_from | string | trim != '' -%}
            {%- set since = data_pipeline.parse_utc_datetime(recompute_from, 'recompute_from') -%}
            {%- set floor_epoch = ((since - dt.datetime(1970, 1, 1)).total_seconds() | int) // 21600 * 21600 -%}
        {%- endif -%}
        {%- set watermarks = run_query('select symbol, max(bucket_epoch) from ' ~ this ~ ' group by symbol') -%}
        {%- set known = {} -%}
        {%- for row in watermarks.rows -%}
            {%- set mark = row[1] | int -%}
            {%- if floor_epoch is not none and floor_epoch < mark -%}{%- set mark = floor_epoch -%}{%- endif -%}
            {%- do known.update({row[0]: dt.datetime(1970, 1, 1) + dt.timedelta(seconds=mark)}) -%}
        {%- endfor -%}
        {%- set fresh_symbols = [] -%}
        {%- for s in data_pipeline.ohlcvt_symbols() -%}
            {%- if s not in known -%}{%- do fresh_symbols.append(s) -%}{%- endif -%}
        {%- endfor -%}
        (
            {{ data_pipeline.symbol_in(symbol_column, fresh_symbols) }}
            {%- for s, since in known.items() %}
            or ({{ symbol_column }} = {{ data_pipeline.string_literal(s) }} and {{ time_column }} >= {{ data_pipeline.timestamp_literal(since) }})
            {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}
