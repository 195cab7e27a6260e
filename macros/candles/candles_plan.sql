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
    {#- max() of the bare column: MySQL/MariaDB then read each symbol's last key (a loose index scan), where
        a max() of an expression read every row -#}
    {%- set query -%}
        select newest_rows.symbol, {{ data_pipeline.epoch_seconds('newest_rows.newest_at') }}
        from (select symbol, max(candle_at) as newest_at from {{ this }} group by symbol) as newest_rows
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

{#- The pre-hook of an incremental run: the stored candles the plan rebuilds that have no source
    row any more (their bars were removed) are deleted; dbt's delete+insert only replaces the
    candles the run writes. In the insert's transaction, and before it: the plan is then the run's
    own (each symbol from its newest candle before the run). A post-hook's plan would start at the
    newest candle after the insert, and miss the one whose bars were removed while newer bars came. -#}
{% macro candles_delete_vanished(interval) -%}
    {%- if not execute or not is_incremental() or not data_pipeline.candles_enabled(interval) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set plan = data_pipeline.candles_plan(interval) -%}
    {%- if not plan.starts -%}{{ return('') }}{%- endif -%}
    {{ return(adapter.dispatch('candles_delete_vanished', 'data_pipeline')(interval, plan)) }}
{%- endmacro %}
{% macro default__candles_delete_vanished(interval, plan) -%}
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
{#- MySQL/MariaDB: an anti-join with the candles the source rows from the plan's starts make. The
    correlated NOT EXISTS above read each symbol's source rows by the symbol alone, from its first
    bar to the candle's: 9 s for candles_5m at 100 symbols x 120 days, growing with the history.
    The source rows here are read by literal key ranges (candles_source_filter). The derived
    table's columns have names of their own, so the rebuilt ranges' bare `symbol` and `candle_at`
    are the stored candle's. The table is named in full, not aliased: MariaDB looks an alias in the
    delete list up in the connection's default database, and dbt's connection has none.
    https://mariadb.com/kb/en/delete/#multiple-table-syntax -#}
{% macro mysql__candles_delete_vanished(interval, plan) -%}
    {%- set source, time_column = data_pipeline.candles_source(interval) -%}
    {%- set seconds = data_pipeline.candle_interval_seconds()[interval] -%}
    {%- set rebuilt = {'full': false, 'starts': plan.starts, 'new': []} -%}
    {%- set source_epoch = data_pipeline.epoch_seconds('source_rows.' ~ time_column) -%}
    {%- set source_candle = data_pipeline.int_div(source_epoch, seconds) ~ ' * ' ~ seconds -%}
    delete {{ this }}
    from {{ this }}
    left join (
        select
            source_rows.symbol as present_symbol,
            {{ source_candle }} as present_epoch
        from {{ source }} as source_rows
        where {{ data_pipeline.candles_source_filter(rebuilt, time_column) }}
        group by source_rows.symbol, {{ source_candle }}
    ) as present
        on
            {{ this }}.symbol = present.present_symbol
            and {{ data_pipeline.epoch_seconds(this ~ '.candle_at') }} = present.present_epoch
    where
        {{ data_pipeline.candles_source_filter(rebuilt, 'candle_at') }}
        and present.present_symbol is null
{%- endmacro %}
{% macro mariadb__candles_delete_vanished(interval, plan) -%}
    {{ return(data_pipeline.mysql__candles_delete_vanished(interval, plan)) }}
{%- endmacro %}
{#- Spark: the run's overwrite already leaves out the rebuilt candles with no source row
    (candles_drop_emptied). -#}
{% macro spark__candles_delete_vanished(interval, plan) -%}{{ return('') }}{%- endmacro %}

{#- The post-hook of an incremental run on Spark: a partition the overwrite left with no candle holds
    a tombstone, and is dropped. Elsewhere nothing: candles_delete_vanished deleted them before. -#}
{% macro candles_drop_emptied(interval) -%}
    {%- if not execute or not is_incremental() or not data_pipeline.candles_enabled(interval) -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('candles_drop_emptied', 'data_pipeline')(interval)) }}
{%- endmacro %}
{% macro default__candles_drop_emptied(interval) -%}{{ return('') }}{%- endmacro %}
{% macro spark__candles_drop_emptied(interval) -%}
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
