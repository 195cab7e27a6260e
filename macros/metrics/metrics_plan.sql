{#- Which rows of ohlc_metrics_daily a run recomputes (its plan), and the record that makes a run
    that dies part-way be finished by the next one.

    A plan is a dict:
    - start: the first date (epoch seconds) every symbol is recomputed from, or none for a full
      build (first run, --full-refresh, a persistent step table missing);
    - symbol_starts: earlier dates for single symbols whose sane bars the stored days do not
      cover (metrics_new_history): a symbol new to the table, older history loaded later, a gap
      after a symbol's last stored day filled later; from that first bar;
    - first: the earliest date of the two (none for a full build).

    The steps rewrite the persistent step tables (`__segments` and, on MySQL/MariaDB, the sorted
    typical prices) in statements that commit one by one. So before the first of them, the plan
    is appended to `<table>__pending`, and only the run's last statement (metrics_pending_clear,
    after the table's rows are written) empties it. A run killed in between leaves it there: the
    next run recomputes from the earliest date it holds as well as its own, which rewrites
    everything the killed run touched. -#}

{% macro metrics_pending_relation() -%}
    {{ return(data_pipeline.metrics_stage('pending')) }}
{%- endmacro %}

{% macro metrics_plan() -%}
    {%- set dt = modules.datetime -%}
    {%- set pending = data_pipeline.metrics_read_pending() -%}
    {%- set start = data_pipeline.metrics_start_epoch() -%}
    {%- if start is not none and pending.start is not none and pending.start < start -%}
        {{ log('ohlc_metrics_daily: an earlier run did not finish; recomputing from its first date too', info=true) }}
        {%- set start = pending.start if pending.start > 0 else none -%}
    {%- endif -%}
    {%- set symbol_starts = {} -%}
    {%- if start is not none -%}
        {%- set history = data_pipeline.metrics_new_history(start) -%}
        {%- for symbol, since in (pending.symbol_starts.items() | list) + (history.items() | list) -%}
            {%- if since < start and (symbol not in symbol_starts or since < symbol_starts[symbol]) -%}
                {%- do symbol_starts.update({symbol: since}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for symbol, since in symbol_starts.items() | sort -%}
            {{ log('ohlc_metrics_daily: ' ~ symbol ~ ' from ' ~ data_pipeline.metrics_epoch_literal(since, 'day')
                ~ ' (bars the table has no rows for)', info=true) }}
        {%- endfor -%}
    {%- endif -%}
    {%- set first = none if start is none else ([start] + (symbol_starts.values() | list)) | min -%}
    {{ return({'start': start, 'symbol_starts': symbol_starts, 'first': first}) }}
{%- endmacro %}

{#- The symbols with sane bars the stored days do not cover and this run would not read: every
    symbol of the bars table missing from `__segments`, the stored ones with a bar before their
    first stored day (older history loaded later), and those with a bar after their last stored
    day but before `start` (a feed that stopped and whose gap was filled later). Each maps to the
    day of that first bar. Read as literal per-symbol ranges that end where the stored days begin
    or where the run starts, so they cover no stored bar. -#}
{% macro metrics_new_history(start) -%}
    {%- set segments = data_pipeline.metrics_stage('segments') -%}
    {%- set stored = {} -%}
    {%- for row in run_query("select symbol, min(seg_date), max(seg_date) from " ~ segments
                             ~ " where seg_kind = 'day' group by symbol").rows -%}
        {%- do stored.update({row[0]: (row[1] | int, row[2] | int)}) -%}
    {%- endfor -%}
    {%- set candidates = data_pipeline.metrics_history_candidates(segments, start) -%}
    {%- set fresh = [] -%}
    {%- set ranges = [] -%}
    {%- for symbol in candidates -%}
        {%- if symbol not in stored -%}
            {%- do fresh.append(symbol) -%}
        {%- else -%}
            {%- set first_day, last_day = stored[symbol] -%}
            {%- set quoted = data_pipeline.string_literal(symbol) -%}
            {%- do ranges.append('(symbol = ' ~ quoted ~ ' and bar_at < '
                ~ data_pipeline.metrics_epoch_literal(first_day, 'timestamp') ~ ')') -%}
            {%- if last_day + 86400 < start -%}
                {%- do ranges.append('(symbol = ' ~ quoted
                    ~ ' and bar_at >= ' ~ data_pipeline.metrics_epoch_literal(last_day + 86400, 'timestamp')
                    ~ ' and bar_at < ' ~ data_pipeline.metrics_epoch_literal(start, 'timestamp') ~ ')') -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if fresh -%}{%- do ranges.append(data_pipeline.symbol_in('symbol', fresh)) -%}{%- endif -%}
    {%- set found = {} -%}
    {%- if ranges -%}
        {%- set query -%}
            select
                symbol,
                {{ data_pipeline.int_div(data_pipeline.epoch_seconds('min(bar_at)'), 86400) }} * 86400 as first_day
            from {{ ref('stg_ohlcvt') }}
            where {{ ranges | join(' or ') }}
            group by symbol
        {%- endset -%}
        {%- for row in run_query(query).rows -%}{%- do found.update({row[0]: row[1] | int}) -%}{%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- The symbols metrics_new_history checks exactly. MySQL/MariaDB: every symbol of the bars table
    (a loose index scan); its ranges are key ranges, empty ones cost nothing. Elsewhere the ranges
    would be tested on every bar, so one scan of the raw bars' symbol and time against the stored
    days first keeps only the symbols with a bar outside them (usually none); quarantined bars may
    make a symbol a candidate, the exact query then finds no sane bar. -#}
{% macro metrics_history_candidates(segments, start) -%}
    {{ return(adapter.dispatch('metrics_history_candidates', 'data_pipeline')(segments, start)) }}
{%- endmacro %}
{% macro default__metrics_history_candidates(segments, start) -%}
    {%- set bar_epoch = data_pipeline.epoch_seconds('bars.timestamp') -%}
    {%- set query -%}
        select bars.symbol
        from {{ source('market', 'ohlcvt') }} as bars
        left join (
            select symbol, min(seg_date) as first_day, max(seg_date) as last_day
            from {{ segments }}
            where seg_kind = 'day'
            group by symbol
        ) as stored
            on bars.symbol = stored.symbol
        where
            bars.symbol is not null
            and (
                stored.symbol is null
                or {{ bar_epoch }} < stored.first_day
                or ({{ bar_epoch }} >= stored.last_day + 86400 and {{ bar_epoch }} < {{ start }})
            )
        group by bars.symbol
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}
{% macro mysql__metrics_history_candidates(segments, start) -%}
    {{ return(data_pipeline.ohlcvt_symbols()) }}
{%- endmacro %}
{% macro mariadb__metrics_history_candidates(segments, start) -%}
    {{ return(data_pipeline.mysql__metrics_history_candidates(segments, start)) }}
{%- endmacro %}

{#- What an unfinished run left: {'start': its earliest all-symbol date, 0 for a full build, or
    none; 'symbol_starts': per symbol}. Creates the empty record on the first run. -#}
{% macro metrics_read_pending() -%}
    {%- set pending = data_pipeline.metrics_pending_relation() -%}
    {%- do adapter.execute('create table if not exists ' ~ pending ~ data_pipeline.metrics_table_format()
        ~ ' as select '
        ~ data_pipeline.cast_string('null', 255) ~ ' as symbol, '
        ~ data_pipeline.cast_bigint('null') ~ ' as start_epoch'
        ~ ' limit 0', auto_begin=false, fetch=false) -%}
    {%- set found = {'start': none, 'symbol_starts': {}} -%}
    {%- for row in run_query('select symbol, min(start_epoch) from ' ~ pending ~ ' group by symbol').rows -%}
        {%- if row[0] is none -%}
            {%- do found.update({'start': row[1] | int}) -%}
        {%- else -%}
            {%- do found.symbol_starts.update({row[0]: row[1] | int}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- Appends the plan to the record, in one statement committed at once (a full build as start 0). -#}
{% macro metrics_pending_record(plan) -%}
    {%- set rows = ['(null, ' ~ (plan.start if plan.start is not none else 0) ~ ')'] -%}
    {%- for symbol, since in plan.symbol_starts.items() | sort -%}
        {%- do rows.append('(' ~ data_pipeline.string_literal(symbol) ~ ', ' ~ since ~ ')') -%}
    {%- endfor -%}
    {%- do adapter.execute('insert into ' ~ data_pipeline.metrics_pending_relation() ~ ' (symbol, start_epoch) values '
                           ~ rows | join(', '), auto_begin=false, fetch=false) -%}
    {%- do data_pipeline.commit_now() -%}
    {{ log('ohlc_metrics_daily: pending: record (0.0 s)', info=true) }}
{%- endmacro %}

{#- The run's last statement: the table holds the plan's rows, nothing is left to finish. -#}
{% macro metrics_pending_clear() -%}
    {%- do adapter.execute(adapter.dispatch('metrics_pending_clear_sql', 'data_pipeline')(
        data_pipeline.metrics_pending_relation()), auto_begin=false, fetch=false) -%}
{%- endmacro %}
{% macro default__metrics_pending_clear_sql(pending) -%}delete from {{ pending }}{%- endmacro %}
{#- Parquet has no DELETE; TRUNCATE empties the table in one commit.
    https://spark.apache.org/docs/3.5.0/sql-ref-syntax-ddl-truncate-table.html -#}
{% macro spark__metrics_pending_clear_sql(pending) -%}truncate table {{ pending }}{%- endmacro %}

{#- What `create table <name>` needs to make a step table: nothing, or on Spark ` using parquet`
    (under the Hive catalog the default is a text table). -#}
{% macro metrics_table_format() -%}
    {{ return(adapter.dispatch('metrics_table_format', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__metrics_table_format() -%}{{ return('') }}{%- endmacro %}
{% macro spark__metrics_table_format() -%}{{ return(' using parquet') }}{%- endmacro %}

{#- A predicate: the rows of the dates `plan` recomputes, with `time_column` compared as `literal`
    ('epoch' seconds, 'timestamp' or 'date'). -#}
{% macro metrics_recomputed(plan, symbol_column, time_column, literal='epoch') -%}
    {%- if plan.start is none -%}{{ return('(1 = 1)') }}{%- endif -%}
    {%- set terms = [time_column ~ ' >= ' ~ data_pipeline.metrics_epoch_literal(plan.start, literal)] -%}
    {%- for symbol, since in plan.symbol_starts.items() | sort -%}
        {%- do terms.append('(' ~ symbol_column ~ ' = ' ~ data_pipeline.string_literal(symbol) ~ ' and '
            ~ time_column ~ ' >= ' ~ data_pipeline.metrics_epoch_literal(since, literal) ~ ')') -%}
    {%- endfor -%}
    {{ return('(' ~ terms | join(' or ') ~ ')') }}
{%- endmacro %}

{% macro metrics_epoch_literal(epoch, literal) -%}
    {%- set dt = modules.datetime -%}
    {%- set moment = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=epoch) -%}
    {%- if literal == 'timestamp' -%}{{ return(data_pipeline.timestamp_literal(moment)) }}{%- endif -%}
    {%- if literal == 'date' -%}
        {{ return(data_pipeline.cast_date("'" ~ moment.strftime('%Y-%m-%d') ~ "'")) }}
    {%- endif -%}
    {%- if literal == 'day' -%}{{ return(moment.strftime('%Y-%m-%d')) }}{%- endif -%}
    {{ return(epoch | string) }}
{%- endmacro %}

{#- The first metric_date this run recomputes, as epoch seconds; none for a full build (first
    run, --full-refresh, or the persistent step tables are missing). The newest date already in
    the table (it may have been a partial current date), or the var recompute_from if earlier. -#}
{% macro metrics_start_epoch() -%}
    {%- if not execute or flags.FULL_REFRESH -%}{{ return(none) }}{%- endif -%}
    {%- set persistent = [this] -%}
    {%- for name in data_pipeline.metrics_persistent_stages() -%}
        {%- do persistent.append(data_pipeline.metrics_stage(name)) -%}
    {%- endfor -%}
    {%- for relation in persistent -%}
        {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema,
                                             identifier=relation.identifier) -%}
        {%- if found is none -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {#- a warehouse whose step tables have an older layout (other column names); run_query, since
        get_columns_in_relation would open a transaction that the pending record must not be in -#}
    {%- for name, marker in data_pipeline.metrics_persistent_stages().items() -%}
        {%- set columns = run_query('select * from ' ~ data_pipeline.metrics_stage(name) ~ ' where 1 = 0')
            .column_names -%}
        {%- if marker not in columns | map('lower') | list -%}
            {{ log('ohlc_metrics_daily: the step tables have an older layout', info=true) }}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set newest = run_query('select max(metric_date) from ' ~ this).columns[0].values()[0] -%}
    {%- if newest is none -%}{{ return(none) }}{%- endif -%}
    {%- set dt = modules.datetime -%}
    {%- set newest_day = dt.datetime(newest.year, newest.month, newest.day) -%}
    {%- set newest_epoch = (newest_day - dt.datetime(1970, 1, 1)).total_seconds() | int -%}
    {%- set since = data_pipeline.checked_var('recompute_from') -%}
    {%- if since is not none -%}
        {%- set since_epoch = ((since - dt.datetime(1970, 1, 1)).total_seconds() | int) // 86400 * 86400 -%}
        {%- if since_epoch < newest_epoch -%}{{ return(since_epoch) }}{%- endif -%}
    {%- endif -%}
    {{ return(newest_epoch) }}
{%- endmacro %}
