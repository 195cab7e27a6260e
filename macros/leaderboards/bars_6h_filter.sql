{#- Which bars an incremental run of int_bars_6h re-aggregates. Per symbol: every bar from the
    start of its newest 6h bucket already in the table (that bucket may have been partial), or
    from the var recompute_from when that is earlier (late bars, corrected bars). A symbol new to
    the table: all of its bars. Written as literal per-symbol ranges, so MySQL/MariaDB range-scan
    the bars key instead of reading every bar. The first build takes every bar. -#}
{% macro bars_6h_filter(symbol_column='symbol', time_column='bar_at') -%}
    {%- if not (execute and is_incremental()) -%}
        (1 = 1)
    {%- else -%}
        {{ return(adapter.dispatch('bars_6h_filter', 'data_pipeline')(symbol_column, time_column)) }}
    {%- endif -%}
{%- endmacro %}

{% macro _recompute_from_epoch() -%}
    {%- set since = data_pipeline.checked_var('recompute_from') -%}
    {%- if since is none -%}{{ return(none) }}{%- endif -%}
    {{ return(((since - modules.datetime.datetime(1970, 1, 1)).total_seconds() | int) // 21600 * 21600) }}
{%- endmacro %}

{#- Literal per-symbol ranges: MySQL/MariaDB turn them into key ranges; on DuckDB, which scans
    anyway, they measured faster than a correlated watermark lookup (docs/leaderboards.md). -#}
{% macro default__bars_6h_filter(symbol_column, time_column) -%}
    {%- set starts = data_pipeline.bars_6h_starts() -%}
        (
            {{ data_pipeline.symbol_in(symbol_column, starts.fresh) }}
            {%- for s, since in starts.known.items() %}
            or ({{ symbol_column }} = {{ data_pipeline.string_literal(s) }}
                and {{ time_column }} >= {{ data_pipeline.timestamp_literal(since) }})
            {%- endfor %}
        )
{%- endmacro %}

{#- Spark: one lookup of the symbol's start in a literal map instead of an OR of a range per symbol,
    whose optimizing grew with the symbols (a warm run at 300 symbols: 111 s, at 100: 21 s), and the
    earliest start ahead of it, which Spark pushes down to the parquet files. A symbol the map lacks
    (none: it holds every stored symbol, the others are fresh) would compare false, also under NOT. -#}
{% macro spark__bars_6h_filter(symbol_column, time_column) -%}
    {%- set starts = data_pipeline.bars_6h_starts() -%}
    {%- if not starts.known -%}{{ return(data_pipeline.symbol_in(symbol_column, starts.fresh)) }}{%- endif -%}
    {%- set entries = [] -%}
    {%- for s, since in starts.known.items() -%}
        {%- do entries.append(data_pipeline.string_literal(s) ~ ', ' ~ data_pipeline.timestamp_literal(since)) -%}
    {%- endfor -%}
    {%- set start = 'element_at(map(' ~ entries | join(', ') ~ '), ' ~ symbol_column ~ ')' -%}
        (
            {{ data_pipeline.symbol_in(symbol_column, starts.fresh) }}
            or ({{ time_column }} >= {{ data_pipeline.timestamp_literal(starts.known.values() | min) }}
                and coalesce({{ time_column }} >= {{ start }}, false))
        )
{%- endmacro %}

{#- Where each stored symbol's re-aggregation starts (known: symbol -> the start of its newest
    bucket, or recompute_from if earlier) and the symbols of the bars table not stored yet (fresh). -#}
{% macro bars_6h_starts() -%}
    {%- set dt = modules.datetime -%}
    {%- set floor_epoch = data_pipeline._recompute_from_epoch() -%}
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
    {{ return({'known': known, 'fresh': fresh_symbols}) }}
{%- endmacro %}

{#- Post-hook of int_bars_6h: delete the tombstones (bar_count 0) its run wrote over the stored
    buckets no bar is left in. delete+insert alone replaces only the buckets a run writes, so
    such a bucket kept its old close and volume. -#}
{% macro bars_6h_delete_tombstones() -%}
    {%- if not (execute and is_incremental()) -%}{{ return('') }}{%- endif -%}
    {{ return(adapter.dispatch('bars_6h_delete_tombstones', 'data_pipeline')()) }}
{%- endmacro %}

{% macro default__bars_6h_delete_tombstones() -%}
    delete from {{ this }}
    where bar_count = 0
{%- endmacro %}

{#- Spark rewrites whole month partitions (bars_6h_rows) and writes a tombstone only into a month
    left with no bucket, which a partition overwrite cannot empty: such a month is dropped.
    https://spark.apache.org/docs/3.5.0/sql-ref-syntax-ddl-alter-table.html#drop-partition -#}
{% macro spark__bars_6h_delete_tombstones() -%}
    {%- set emptied = run_query('select bucket_month from ' ~ this ~ ' group by bucket_month having max(bar_count) = 0')
        .columns[0].values() -%}
    {%- if emptied | length == 0 -%}{{ return('') }}{%- endif -%}
    alter table {{ this }} drop if exists
    {%- for month in emptied %} partition (bucket_month = '{{ month }}'){{ ',' if not loop.last }}{% endfor %}
{%- endmacro %}
