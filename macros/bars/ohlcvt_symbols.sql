{#- Range scans on MySQL/MariaDB. The bars table's key is (symbol, timestamp), so a time-range
    filter alone scans every bar (about 20 s for 4.5 M bars). Naming the symbols turns it into one
    index range per symbol. The symbol list itself is cheap: `group by symbol` on the key is a
    loose index scan (a few ms once the table has statistics; load_bars runs ANALYZE).
    DuckDB has no index to steer: the hints there are simply `true`. -#}

{#- Every symbol in the bars table (execute time only; [] while parsing). -#}
{% macro ohlcvt_symbols() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select symbol from {{ source('market', 'ohlcvt') }} where symbol is not null group by symbol order by symbol
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}

{#- `column in ('A', 'B', ...)`; false for an empty list. -#}
{% macro symbol_in(column, symbols) -%}
    {%- if symbols | length == 0 -%}
        (1 = 0)
    {%- else -%}
        {{ column }} in ({% for s in symbols %}{{ data_pipeline.string_literal(s) }}
            {%- if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- A predicate that lets MySQL/MariaDB range-scan the bars key for a time filter; `true` elsewhere. -#}
{% macro symbol_scan_hint(column='symbol') -%}
    {{ return(adapter.dispatch('symbol_scan_hint', 'data_pipeline')(column)) }}
{%- endmacro %}
{% macro default__symbol_scan_hint(column) -%}(1 = 1){%- endmacro %}
{% macro mysql__symbol_scan_hint(column) -%}
    {{ data_pipeline.symbol_in(column, data_pipeline.ohlcvt_symbols()) }}
{%- endmacro %}
{% macro mariadb__symbol_scan_hint(column) -%}{{ data_pipeline.mysql__symbol_scan_hint(column) }}{%- endmacro %}
