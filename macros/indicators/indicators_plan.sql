{#- Which rows a run of indicators_<interval> reads and rewrites (../shared/spec/candles-and-indicators.md,
    "Incremental runs"). Step 1 (steps/01_plan.sql) writes the plan, one row per symbol:
    write_from_at, its first rewritten candle (its newest stored row, or var recompute_from if
    earlier; NULL: every candle), read_from_at, the first candle read (the 200th stored candle before
    write_from_at; NULL: the first), and the stored state at the candle before write_from_at. A
    symbol with fewer than 200 stored candles before it, or none, is rebuilt from its first candle. -#}

{#- The plan's rows as a list of {symbol, read_from, write_from} (epoch seconds or none). -#}
{% macro indicators_plan_rows() -%}
    {%- set e = data_pipeline.epoch_seconds -%}
    {%- set plan = data_pipeline.indicators_stage('plan') -%}
    {%- set rows = [] -%}
    {%- for row in run_query('select symbol, ' ~ e('read_from_at') ~ ', ' ~ e('write_from_at') ~ ' from ' ~ plan).rows
        -%}
        {%- do rows.append({'symbol': row[0], 'read_from': none if row[1] is none else row[1] | int,
                            'write_from': none if row[2] is none else row[2] | int}) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}

{#- A predicate on rows (`symbol`, `candle_at` columns of `rows`, joined to the plan as `plan`)
    that keeps those at or after each symbol's `bound` ('read_from' or 'write_from'), every row
    of a symbol whose bound is NULL. ANSI: the plan's own columns. MySQL/MariaDB: literal
    per-symbol ranges, so the optimizer range-scans the (symbol, candle_at) keys instead of
    reading every stored row. -#}
{% macro indicators_rows_from(bound, rows, full) -%}
    {%- if full -%}{{ return('(1 = 1)') }}{%- endif -%}
    {{ return(adapter.dispatch('indicators_rows_from', 'data_pipeline')(bound, rows)) }}
{%- endmacro %}
{% macro default__indicators_rows_from(bound, rows) -%}
    (plan.{{ bound }}_at is null or {{ rows }}.candle_at >= plan.{{ bound }}_at)
{%- endmacro %}
{% macro mysql__indicators_rows_from(bound, rows) -%}
    {%- set terms = [] -%}
    {%- set whole = [] -%}
    {%- for row in data_pipeline.indicators_plan_rows() -%}
        {%- if row[bound] is none -%}
            {%- do whole.append(row.symbol) -%}
        {%- else -%}
            {%- do terms.append('(' ~ rows ~ '.symbol = ' ~ data_pipeline.string_literal(row.symbol) ~ ' and '
                ~ rows ~ '.candle_at >= ' ~ data_pipeline.indicators_epoch_literal(row[bound]) ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if whole -%}{%- do terms.append(data_pipeline.symbol_in(rows ~ '.symbol', whole)) -%}{%- endif -%}
    {{ return('(' ~ (terms | join(' or ') if terms else '1 = 0') ~ ')') }}
{%- endmacro %}
{% macro mariadb__indicators_rows_from(bound, rows) -%}
    {{ return(data_pipeline.mysql__indicators_rows_from(bound, rows)) }}
{%- endmacro %}

{% macro indicators_epoch_literal(epoch) -%}
    {%- set dt = modules.datetime -%}
    {{ return(data_pipeline.timestamp_literal(dt.datetime(1970, 1, 1) + dt.timedelta(seconds=epoch))) }}
{%- endmacro %}

{#- The first candle an incremental run rewrites, as an SQL expression of the stored newest row
    (`newest`): that row (the in-progress candle, or the last complete one), or var
    recompute_from if earlier (floored to the interval). -#}
{% macro indicators_start(interval, newest) -%}
    {%- set since = data_pipeline.checked_var('recompute_from') -%}
    {%- if since is none -%}{{ return(newest) }}{%- endif -%}
    {%- set seconds = data_pipeline.candle_interval_seconds()[interval] -%}
    {%- set epoch0 = modules.datetime.datetime(1970, 1, 1) -%}
    {%- set since_epoch = ((since - epoch0).total_seconds() | int) // seconds * seconds -%}
    {%- set literal = data_pipeline.indicators_epoch_literal(since_epoch) -%}
    {{ return('case when ' ~ newest ~ ' > ' ~ literal ~ ' then ' ~ literal ~ ' else ' ~ newest ~ ' end') }}
{%- endmacro %}

{#- The post-hook of an incremental run: the stored rows the plan rewrote whose candle is gone
    (its bars were removed) are deleted; dbt's delete+insert only replaces the rows it wrote. -#}
{% macro indicators_delete_vanished(interval) -%}
    {%- if not execute or not is_incremental() or not data_pipeline.indicators_enabled(interval) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set delete_vanished = adapter.dispatch('indicators_delete_vanished', 'data_pipeline') -%}
    {{ return(delete_vanished(interval, this.identifier)) }}
{%- endmacro %}
{% macro default__indicators_delete_vanished(interval, stored_table) -%}
    delete from {{ this }}
    where
        exists (
            select 1 from {{ data_pipeline.indicators_stage('plan') }} as plan
            where
                plan.symbol = {{ stored_table }}.symbol
                and {{ data_pipeline.indicators_rows_from('write_from', stored_table, false) }}
        )
        and not exists (
            select 1 from {{ ref('candles_' ~ interval) }} as candles
            where candles.symbol = {{ stored_table }}.symbol and candles.candle_at = {{ stored_table }}.candle_at
        )
{%- endmacro %}
{% macro mysql__indicators_delete_vanished(interval, stored_table) -%}
    delete from {{ this }}
    where
        {{ data_pipeline.indicators_rows_from('write_from', stored_table, false) }}
        and not exists (
            select 1 from {{ ref('candles_' ~ interval) }} as candles
            where candles.symbol = {{ stored_table }}.symbol and candles.candle_at = {{ stored_table }}.candle_at
        )
{%- endmacro %}
{% macro mariadb__indicators_delete_vanished(interval, stored_table) -%}
    {{ return(data_pipeline.mysql__indicators_delete_vanished(interval, stored_table)) }}
{%- endmacro %}
{#- Spark: the run's overwrite already left out the rewritten rows whose candle is gone
    (spark__indicators_rows); a partition left with none at all holds a tombstone, and is dropped. -#}
{% macro spark__indicators_delete_vanished(interval, stored_table) -%}
    {{ return(data_pipeline.candles_drop_emptied_partitions(interval)) }}
{%- endmacro %}

{#- The post-hook that gives a built indicator table its primary key (MySQL/MariaDB). -#}
{% macro indicators_key(interval) -%}
    {%- if data_pipeline.indicators_enabled(interval) -%}
        {{ return(data_pipeline.ensure_index(this, ['symbol', 'candle_at'], primary=true)) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
