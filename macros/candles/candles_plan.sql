{#- Which candles a run of candles_<interval> rebuilds (../shared/spec/candles-and-indicators.md,
    "Incremental runs"): per symbol, from its newest stored candle on (the in-progress candle is
    rebuilt, the completed ones before it are kept), or from the var recompute_from if earlier;
    a symbol with no stored candle from its first bar. A full build (first run, --full-refresh)
    rebuilds everything. Returns {'full': bool, 'starts': {symbol: epoch}, 'new': [symbols]}. -#}
{% macro candles_plan(interval) -%}
    {%- if not execute or not is_incremental() -%}{{ return({'full': true, 'starts': {}, 'new': []}) }}{%- endif -%}
    {%- set seconds = data_pipeline.candle_interval_seconds()[interval] -%}
    {%- set since = data_pipeline.checked_var('recompute_from') -%}
    {%- set since_epoch = none -%}
    {%- if since is not none -%}
        {%- set epoch0 = modules.datetime.datetime(1970, 1, 1) -%}
        {%- set since_epoch = ((since - epoch0).total_seconds() | int) // seconds * seconds -%}
    {%- endif -%}
    {%- set starts = {} -%}
    {%- set query -%}
        select symbol, max({{ data_pipeline.epoch_seconds('candle_at') }}) from {{ this }} group by symbol
    {%- endset -%}
    {%- for row in run_query(query).rows -%}
        {%- set newest = row[1] | int -%}
        {%- do starts.update({row[0]: newest if since_epoch is none else [newest, since_epoch] | min}) -%}
    {%- endfor -%}
    {%- set new = [] -%}
    {%- for symbol in data_pipeline.ohlcvt_symbols() if symbol not in starts -%}
        {%- do new.append(symbol) -%}
    {%- endfor -%}
    {{ return({'full': false, 'starts': starts, 'new': new}) }}
{%- endmacro %}

{#- The source rows (`time_column`, a timestamp) a run reads: every row for a full build, else the
    rows at or after their symbol's start and every row of a new symbol. MySQL/MariaDB: literal
    per-symbol ranges (index ranges on the key). Elsewhere one lower bound, since a scan would test
    a long OR on every row; the candles before a symbol's start are dropped after grouping
    (candles_in_plan). -#}
{% macro candles_source_filter(plan, time_column) -%}
    {%- if plan.full -%}{{ return('(1 = 1)') }}{%- endif -%}
    {{ return(adapter.dispatch('candles_source_filter', 'data_pipeline')(plan, time_column)) }}
{%- endmacro %}
{% macro default__candles_source_filter(plan, time_column) -%}
    {%- set terms = [] -%}
    {%- if plan.starts -%}
        {%- do terms.append(time_column ~ ' >= ' ~ data_pipeline.metrics_epoch_literal(plan.starts.values() | min,
                                                                                       'timestamp')) -%}
    {%- endif -%}
    {%- if plan.new -%}{%- do terms.append(data_pipeline.symbol_in('symbol', plan.new)) -%}{%- endif -%}
    {{ return('(' ~ (terms | join(' or ') if terms else '1 = 0') ~ ')') }}
{%- endmacro %}
{% macro mysql__candles_source_filter(plan, time_column) -%}
    {%- set terms = [] -%}
    {%- for symbol, start in plan.starts.items() | sort -%}
        {%- do terms.append('(symbol = ' ~ data_pipeline.string_literal(symbol) ~ ' and ' ~ time_column ~ ' >= '
            ~ data_pipeline.metrics_epoch_literal(start, 'timestamp') ~ ')') -%}
    {%- endfor -%}
    {%- if plan.new -%}{%- do terms.append(data_pipeline.symbol_in('symbol', plan.new)) -%}{%- endif -%}
    {{ return('(' ~ (terms | join(' or ') if terms else '1 = 0') ~ ')') }}
{%- endmacro %}
{% macro mariadb__candles_source_filter(plan, time_column) -%}
    {{ return(data_pipeline.mysql__candles_source_filter(plan, time_column)) }}
{%- endmacro %}

{#- A predicate on candles (columns symbol, candle_epoch): those the plan rebuilds. -#}
{% macro candles_in_plan(plan, symbol_column='symbol', epoch_column='candle_epoch') -%}
    {%- if plan.full -%}{{ return('(1 = 1)') }}{%- endif -%}
    {%- set terms = [] -%}
    {%- for symbol, start in plan.starts.items() | sort -%}
        {%- do terms.append('(' ~ symbol_column ~ ' = ' ~ data_pipeline.string_literal(symbol) ~ ' and '
            ~ epoch_column ~ ' >= ' ~ start ~ ')') -%}
    {%- endfor -%}
    {%- if plan.new -%}{%- do terms.append(data_pipeline.symbol_in(symbol_column, plan.new)) -%}{%- endif -%}
    {{ return('(' ~ (terms | join(' or ') if terms else '1 = 0') ~ ')') }}
{%- endmacro %}

{#- The post-hook of an incremental run: the stored candles the plan rebuilt that have no source
    row any more (their bars were removed) are deleted; dbt's delete+insert only replaces the
    candles the run wrote. In the insert's transaction. -#}
{% macro candles_delete_vanished(interval) -%}
    {%- if not execute or not is_incremental() or not data_pipeline.candles_enabled(interval) -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('candles_delete_vanished', 'data_pipeline')(interval)) }}
{%- endmacro %}
{% macro default__candles_delete_vanished(interval) -%}
    {%- set plan = data_pipeline.candles_plan(interval) -%}
    {%- if not plan.starts -%}{{ return('') }}{%- endif -%}
    {%- set source, time_column = data_pipeline.candles_source(interval) -%}
    {%- set seconds = data_pipeline.candle_interval_seconds()[interval] -%}
    {%- set stored = this.identifier -%}
    {%- set in_candle -%}
        source_rows.symbol = {{ stored }}.symbol
        and source_rows.{{ time_column }} >= {{ stored }}.candle_at
        and source_rows.{{ time_column }} < {{ data_pipeline.timestamp_add('second', seconds, stored ~ '.candle_at') }}
    {%- endset -%}
    delete from {{ this }}
    where
        {{ data_pipeline.candles_source_filter({'full': false, 'starts': plan.starts, 'new': []}, 'candle_at') }}
        and not exists (select 1 from {{ source }} as source_rows where {{ in_candle }})
{%- endmacro %}
{#- Spark: the run's overwrite already left out the rebuilt candles with no source row; a partition
    left with none at all holds a tombstone, and is dropped. -#}
{% macro spark__candles_delete_vanished(interval) -%}
    {{ return(data_pipeline.candles_drop_emptied_partitions(interval)) }}
{%- endmacro %}

{#- What candles_<interval> is built from: (relation, its time column). -#}
{% macro candles_source(interval) -%}
    {%- set finer = data_pipeline.candle_source_interval(interval) -%}
    {%- if finer is none -%}{{ return((ref('stg_ohlcvt'), 'bar_at')) }}{%- endif -%}
    {{ return((ref('candles_' ~ finer), 'candle_at')) }}
{%- endmacro %}

{#- The post-hook that gives a built candle table its primary key (MySQL/MariaDB). -#}
{% macro candles_key(interval) -%}
    {%- if data_pipeline.candles_enabled(interval) -%}
        {{ return(data_pipeline.ensure_index(this, ['symbol', 'candle_at'], primary=true)) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
