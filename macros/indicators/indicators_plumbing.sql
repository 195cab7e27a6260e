{#- The plumbing of indicators_<interval>'s steps: step table names, creating them, the session
    setup, dropping them after the run, and the one-run-at-a-time lock. The driver is
    indicators_run.sql, the steps are steps/, which rows a run rewrites is indicators_plan.sql.
    Every step table is scratch: a run creates all of them from the candles and the stored rows. -#}

{#- Step table `name`: indicators_<interval>__<name>, a temporary table where the engine has
    them (the model's hooks and its query share one connection), else a table. -#}
{% macro indicators_stage(name, temporary=none) -%}
    {%- set relation = this.incorporate(path={'identifier': this.identifier ~ '__' ~ name}) -%}
    {%- if not (data_pipeline.indicators_temporary() if temporary is none else temporary) -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return(adapter.dispatch('indicators_temporary_name', 'data_pipeline')(relation)) }}
{%- endmacro %}

{% macro default__indicators_temporary_name(relation) -%}{{ return(relation) }}{%- endmacro %}
{#- https://duckdb.org/docs/sql/statements/create_table#temporary-tables : only in the temp catalog,
    found by the bare name. -#}
{% macro duckdb__indicators_temporary_name(relation) -%}
    {{ return(adapter.quote(relation.identifier)) }}
{%- endmacro %}

{#- Every step table's name, by step: the driver and the hooks take them once per run and pass them
    to the steps. Each macro call costs dbt about 0.2 ms (docs/indicators.md, "Time"), and a name
    taken for each reference cost 7 calls, 400 per model. -#}
{% macro indicators_stage_tables(temporary) -%}
    {%- set tables = {} -%}
    {%- for name in data_pipeline.indicators_stages() -%}
        {%- do tables.update({name: data_pipeline.indicators_stage(name, temporary)}) -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}

{#- Whether the step tables are temporary: on DuckDB (in memory, not written to the database file)
    and MySQL/MariaDB (session tables, no redo log); ANSI has no portable form. Var keep_scratch
    makes them tables, kept after the run for diagnosis. -#}
{% macro indicators_temporary() -%}
    {%- if data_pipeline.checked_var('keep_scratch') -%}{{ return(false) }}{%- endif -%}
    {{ return(adapter.dispatch('indicators_temporary', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__indicators_temporary() -%}{{ return(false) }}{%- endmacro %}
{% macro duckdb__indicators_temporary() -%}{{ return(true) }}{%- endmacro %}
{% macro mysql__indicators_temporary() -%}{{ return(true) }}{%- endmacro %}
{% macro mariadb__indicators_temporary() -%}{{ return(data_pipeline.mysql__indicators_temporary()) }}{%- endmacro %}

{#- The step tables, in the driver's order (each is dropped by the post-hook). -#}
{% macro indicators_stages() -%}
    {{ return(['plan', 'inputs', 'first_seeds', 'first_pass', 'first_ends', 'first_values', 'second_seeds',
               'second_pass', 'second_ends', 'second_values', 'candle_terms', 'range_windows',
               'typical_price_windows', 'commodity_channel', 'money_flow_windows']) }}
{%- endmacro %}

{% macro indicators_execute(step, sql) -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- do adapter.execute(sql, auto_begin=false, fetch=false) -%}
    {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {{ log(this.identifier ~ ': ' ~ step ~ ' (' ~ ('%.2f' | format(seconds)) ~ ' s)', info=true) }}
{%- endmacro %}

{#- Step table `name` of `stage` (indicators_stage_tables) from a query, with its primary key on
    MySQL/MariaDB (declared in the CREATE, so the rows go straight into the clustered index and the
    next step's joins are key lookups). -#}
{% macro indicators_create(stage, temporary, name, sql, primary_key) -%}
    {%- set relation = stage[name] -%}
    {%- do adapter.execute('drop table if exists ' ~ relation, auto_begin=false, fetch=false) -%}
    {%- set create_table_as = adapter.dispatch('indicators_create_table_as', 'data_pipeline') -%}
    {%- do data_pipeline.indicators_execute(name, create_table_as(relation, sql, primary_key, temporary)) -%}
{%- endmacro %}
{% macro default__indicators_create_table_as(relation, sql, primary_key, temporary) -%}
    {{ return('create ' ~ ('temporary table ' if temporary else 'table ') ~ relation ~ ' as ' ~ sql) }}
{%- endmacro %}
{% macro mysql__indicators_create_table_as(relation, sql, primary_key, temporary) -%}
    {{ return('create ' ~ ('temporary table ' if temporary else 'table ') ~ relation
              ~ ' (primary key (' ~ primary_key | join(', ') ~ ')) ' ~ sql) }}
{%- endmacro %}
{% macro mariadb__indicators_create_table_as(relation, sql, primary_key, temporary) -%}
    {{ data_pipeline.mysql__indicators_create_table_as(relation, sql, primary_key, temporary) }}
{%- endmacro %}
{#- Spark: a parquet table (a bare CREATE TABLE AS asks for Hive's SerDe); no keys. Temporary views
    instead, cached or not, made each step slower than the last: every step's plan then holds all
    the earlier ones (docs/scale.md).
    https://spark.apache.org/docs/3.5.0/sql-ref-syntax-ddl-create-table-datasource.html -#}
{% macro spark__indicators_create_table_as(relation, sql, primary_key, temporary) -%}
    {{ return('create table ' ~ relation ~ ' using parquet as ' ~ sql) }}
{%- endmacro %}

{#- The last post-hook: drops the step tables (var keep_scratch keeps them, for diagnosis) and
    releases the lock. -#}
{% macro indicators_drop_scratch(interval) -%}
    {%- if execute and data_pipeline.indicators_enabled(interval) -%}
        {%- if not data_pipeline.checked_var('keep_scratch') -%}
            {%- for relation in data_pipeline.indicators_stage_tables(data_pipeline.indicators_temporary()).values()
                -%}
                {%- do adapter.execute('drop table if exists ' ~ relation, auto_begin=false, fetch=false) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- do data_pipeline.indicators_unlock() -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- One run at a time per table: the steps rewrite shared step tables, so two overlapping runs
    (a recompute_from backfill still running when cron starts the next) would read each other's
    half-written steps. MySQL/MariaDB: a named lock held by the model's connection from the first
    step to the last post-hook (released too when a failed run's connection closes). DuckDB: a
    database file has one writing process at a time. -#}
{% macro indicators_lock_name() -%}
    {%- set name = 'data_pipeline ' ~ this.schema ~ '.' ~ this.identifier -%}
    {{ return(name if name | length <= 64 else 'data_pipeline ' ~ local_md5(name)) }}
{%- endmacro %}

{% macro indicators_lock() -%}
    {{ return(adapter.dispatch('indicators_lock', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__indicators_lock() -%}{%- endmacro %}
{% macro mysql__indicators_lock() -%}
    {%- set name = data_pipeline.string_literal(data_pipeline.indicators_lock_name()) -%}
    {%- set row = run_query('select get_lock(' ~ name ~ ', 0), is_used_lock(' ~ name ~ ')').rows[0] -%}
    {%- if row[0] != 1 -%}
        {{ exceptions.raise_compiler_error(this.identifier ~ ': another run of ' ~ this ~ ' is in progress (held by '
            ~ 'connection ' ~ row[1] ~ '); this run changed nothing. Run it again once that one ends.') }}
    {%- endif -%}
{%- endmacro %}
{% macro mariadb__indicators_lock() -%}{{ data_pipeline.mysql__indicators_lock() }}{%- endmacro %}

{% macro indicators_unlock() -%}
    {{ return(adapter.dispatch('indicators_unlock', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__indicators_unlock() -%}{%- endmacro %}
{% macro mysql__indicators_unlock() -%}
    {%- set name = data_pipeline.string_literal(data_pipeline.indicators_lock_name()) -%}
    {%- do run_query('select release_lock(' ~ name ~ ')') -%}
{%- endmacro %}
{% macro mariadb__indicators_unlock() -%}{{ data_pipeline.mysql__indicators_unlock() }}{%- endmacro %}
