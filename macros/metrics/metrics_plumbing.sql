{#- The plumbing of ohlc_metrics_daily's steps: step table names, creating, inserting into and
    writing them, the session setup, dropping the scratch ones, and the one-run-at-a-time lock. The
    driver is metrics_run.sql, the steps are steps/, the plan of a run is metrics_plan.sql. -#}

{% macro metrics_stage(name) -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__' ~ name})) }}
{%- endmacro %}

{#- The step tables kept between runs (a run without them is a full build), each with a column
    only the current layout has (a table without it is of an older layout: a full build too). -#}
{% macro metrics_persistent_stages() -%}
    {%- set stages = {'segments': 'w24h_close_dev_sum'} -%}
    {%- if data_pipeline.metrics_typical_bucket_rows() -%}
        {%- do stages.update({'typical_prices': 'rank_in_day', 'typical_buckets': 'bucket_low'}) -%}
    {%- endif -%}
    {{ return(stages) }}
{%- endmacro %}

{#- Dropped after every run. Also `long_lookups` and, on DuckDB, `typical_prices`, which a
    warehouse of an older layout may hold (DuckDB keeps no sorted prices: step 13); `carried` and
    `segments_next` are Spark's (metrics_table_rows.sql, spark__metrics_write). -#}
{% macro metrics_scratch_stages() -%}
    {%- set names = ['powers', 'day_bars', 'current', 'current_bars', 'snapshots', 'vanished', 'short_mad',
                     'long_day_mads', 'long_lookups', 'carried', 'segments_next'] -%}
    {%- if not data_pipeline.metrics_typical_bucket_rows() -%}{%- do names.append('typical_prices') -%}{%- endif -%}
    {%- for w in data_pipeline.metrics_long_windows() -%}
        {%- do names.extend(['long_' ~ w.suffix ~ '_pairs', 'long_' ~ w.suffix, 'long_' ~ w.suffix ~ '_mad']) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro metrics_execute(step, sql) -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- do adapter.execute(sql, auto_begin=false, fetch=false) -%}
    {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {{ log('ohlc_metrics_daily: ' ~ step ~ ' (' ~ ('%.1f' | format(seconds)) ~ ' s)', info=true) }}
{%- endmacro %}

{#- A step table from a query; `temporary` makes it a temporary table where step tables are
    tables (MySQL/MariaDB: session-local, no redo log, so written faster; docs/metrics.md). A
    temporary table cannot be read twice in one statement on MySQL/MariaDB, so only a table each
    statement reads once may be one. -#}
{% macro metrics_create(name, sql, primary_key=none, temporary=false, column_types={}) -%}
    {%- set relation = data_pipeline.metrics_stage(name) -%}
    {%- do adapter.execute('drop table if exists ' ~ relation, auto_begin=false, fetch=false) -%}
    {%- set create = data_pipeline.metrics_create_table_as(relation, sql, primary_key, temporary, column_types) -%}
    {%- do data_pipeline.metrics_execute(name, create) -%}
{%- endmacro %}

{#- Appends the rows of `sql` to step table `name` (`what` names the statement in the log). -#}
{% macro metrics_insert(name, what, sql, columns=none) -%}
    {%- do adapter.dispatch('metrics_insert', 'data_pipeline')(name, what, sql, columns) -%}
{%- endmacro %}
{% macro default__metrics_insert(name, what, sql, columns) -%}
    {%- set column_list = '' if columns is none else ' (' ~ columns | join(', ') ~ ')' -%}
    {%- do data_pipeline.metrics_execute(name ~ ': ' ~ what,
        'insert into ' ~ data_pipeline.metrics_stage(name) ~ column_list ~ ' ' ~ sql) -%}
{%- endmacro %}
{#- Spark inserts by position, and a partitioned table has its partition column last
    (spark__metrics_write): the query's columns are picked by name in the table's order. -#}
{% macro spark__metrics_insert(name, what, sql, columns) -%}
    {%- set relation = data_pipeline.metrics_stage(name) -%}
    {%- set names = data_pipeline.metrics_column_names(relation) -%}
    {%- do data_pipeline.metrics_execute(name ~ ': ' ~ what,
        'insert into ' ~ relation ~ ' select ' ~ names | join(', ') ~ ' from (' ~ sql ~ ') as new_rows') -%}
{%- endmacro %}

{#- A table's column names in order (run_query, not get_columns_in_relation: see metrics_start_epoch). -#}
{% macro metrics_column_names(relation) -%}
    {{ return(run_query('select * from ' ~ relation ~ ' where 1 = 0').column_names | list) }}
{%- endmacro %}

{#- A step table kept between runs: created from `sql` on a full build; otherwise its rows that
    `delete_where` selects (the recomputed days) are deleted and `sql`'s rows inserted, in
    statements that commit one by one (the pending record of metrics_plan.sql covers a kill in
    between). Nothing where the step has no SQL on this engine (none). `column_types` declares
    some columns' types (metrics_create_table_as), which puts them first in the table: then
    `columns`, the query's columns in order, names them for the insert. -#}
{% macro metrics_write(name, sql, plan, primary_key, delete_where, column_types={}, columns=none) -%}
    {%- if sql is none -%}{{ return('') }}{%- endif -%}
    {%- do adapter.dispatch('metrics_write', 'data_pipeline')(name, sql, plan, primary_key, delete_where,
                                                              column_types, columns) -%}
{%- endmacro %}
{% macro default__metrics_write(name, sql, plan, primary_key, delete_where, column_types, columns) -%}
    {%- if plan.start is none -%}
        {%- do data_pipeline.metrics_create(name, sql, primary_key, column_types=column_types) -%}
    {%- else -%}
        {%- do data_pipeline.metrics_execute(name ~ ': delete',
            'delete from ' ~ data_pipeline.metrics_stage(name) ~ ' where ' ~ delete_where) -%}
        {%- do data_pipeline.metrics_insert(name, 'insert', sql, columns) -%}
    {%- endif -%}
{%- endmacro %}

{#- Spark: parquet has no DELETE. The table is partitioned by metrics_stage_partitions' column
    (seg_date: a day of 2,000 symbols is about 8,000 segments, and a daily run touches one or two
    days, never the history), and a run rewrites the partitions it touches: those holding a row
    `delete_where` selects, and every one from the plan's first date on (where `sql`'s rows fall).
    Their kept rows plus `sql`'s are staged in `<name>_next` (Spark refuses to overwrite a table
    the same statement reads), then swapped in by a dynamic partition overwrite; a partition left
    without rows is dropped, since an overwrite cannot empty one. A run killed in between leaves
    the pending record, and the next run rewrites the same partitions again.
    https://spark.apache.org/docs/3.5.0/sql-ref-syntax-dml-insert-table.html -#}
{% macro spark__metrics_write(name, sql, plan, primary_key, delete_where, column_types, columns) -%}
    {%- set relation = data_pipeline.metrics_stage(name) -%}
    {%- set partition = data_pipeline.metrics_stage_partitions()[name] -%}
    {%- if plan.start is none -%}
        {%- do adapter.execute('drop table if exists ' ~ relation, auto_begin=false, fetch=false) -%}
        {%- do data_pipeline.metrics_execute(name, 'create table ' ~ relation ~ ' using parquet partitioned by ('
            ~ partition ~ ') as ' ~ sql) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set staged = data_pipeline.metrics_stage(name ~ '_next') -%}
    {%- set names = data_pipeline.metrics_column_names(relation) | join(', ') -%}
    {%- set deleted_from = run_query('select distinct ' ~ partition ~ ' from ' ~ relation ~ ' where ' ~ delete_where)
        .columns[0].values() | map('int') | list -%}
    {%- set touched = partition ~ ' >= ' ~ plan.first
        ~ ((' or ' ~ partition ~ ' in (' ~ deleted_from | join(', ') ~ ')') if deleted_from else '') -%}
    {%- do adapter.execute('drop table if exists ' ~ staged, auto_begin=false, fetch=false) -%}
    {%- set stage_sql -%}
        create table {{ staged }} using parquet partitioned by ({{ partition }}) as
        select {{ names }} from {{ relation }} where ({{ touched }}) and not ({{ delete_where }})
        union all
        select {{ names }} from ({{ sql }}) as new_rows
    {%- endset -%}
    {%- do data_pipeline.metrics_execute(name ~ ': stage', stage_sql) -%}
    {%- do adapter.execute('set spark.sql.sources.partitionOverwriteMode = dynamic', auto_begin=false, fetch=false) -%}
    {%- do data_pipeline.metrics_execute(name ~ ': overwrite', 'insert overwrite table ' ~ relation ~ ' partition ('
        ~ partition ~ ') select ' ~ names ~ ' from ' ~ staged) -%}
    {%- set written = run_query('select distinct ' ~ partition ~ ' from ' ~ staged).columns[0].values()
        | map('int') | list -%}
    {%- set emptied = deleted_from | reject('in', written) | list -%}
    {%- if emptied -%}
        {%- set drops = [] -%}
        {%- for value in emptied | sort -%}
            {%- do drops.append('partition (' ~ partition ~ ' = ' ~ value ~ ')') -%}
        {%- endfor -%}
        {%- do data_pipeline.metrics_execute(name ~ ': drop emptied',
            'alter table ' ~ relation ~ ' drop if exists ' ~ drops | join(', ')) -%}
    {%- endif -%}
    {%- do adapter.execute('drop table if exists ' ~ staged, auto_begin=false, fetch=false) -%}
{%- endmacro %}

{#- Spark: the partition column of each step table metrics_write keeps between runs. -#}
{% macro metrics_stage_partitions() -%}
    {{ return({'segments': 'seg_date'}) }}
{%- endmacro %}

{#- create table ... as select. On MySQL/MariaDB with a primary key (declared in the CREATE, so
    the rows go straight into the clustered index instead of a rebuild afterwards) and the types
    `column_types` names (column -> type; the others are the query's). -#}
{% macro metrics_create_table_as(relation, sql, primary_key, temporary=false, column_types={}) -%}
    {%- set create_table_as = adapter.dispatch('metrics_create_table_as', 'data_pipeline') -%}
    {{ return(create_table_as(relation, sql, primary_key, temporary, column_types)) }}
{%- endmacro %}
{% macro default__metrics_create_table_as(relation, sql, primary_key, temporary, column_types) -%}
    create table {{ relation }} as {{ sql }}
{%- endmacro %}
{% macro mysql__metrics_create_table_as(relation, sql, primary_key, temporary, column_types) -%}
    {%- set definitions = [] -%}
    {%- for name, type in column_types.items() -%}{%- do definitions.append(name ~ ' ' ~ type) -%}{%- endfor -%}
    {%- if primary_key -%}{%- do definitions.append('primary key (' ~ primary_key | join(', ') ~ ')') -%}{%- endif -%}
    create {% if temporary %}temporary {% endif %}table {{ relation }}
    {%- if definitions %} ({{ definitions | join(', ') }}){% endif %} {{ sql }}
{%- endmacro %}
{% macro mariadb__metrics_create_table_as(relation, sql, primary_key, temporary, column_types) -%}
    {{ data_pipeline.mysql__metrics_create_table_as(relation, sql, primary_key, temporary, column_types) }}
{%- endmacro %}
{#- Spark: parquet, whatever the catalog (Hive's default would be a text table). -#}
{% macro spark__metrics_create_table_as(relation, sql, primary_key, temporary, column_types) -%}
    create table {{ relation }} using parquet as {{ sql }}
{%- endmacro %}

{% macro metrics_drop_scratch() -%}
    {%- if execute and not data_pipeline.checked_var('keep_scratch') -%}
        {%- for name in data_pipeline.metrics_scratch_stages() -%}
            {%- do adapter.execute('drop table if exists ' ~ data_pipeline.metrics_stage(name),
                                   auto_begin=false, fetch=false) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if execute -%}
        {%- do data_pipeline.metrics_pending_clear() -%}
        {%- do data_pipeline.metrics_unlock() -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- One run at a time per table. The steps rewrite shared step tables (`__segments` and the
    others) outside any transaction, so two overlapping runs (a long backfill or recompute_from
    still running when cron starts the next one) could read each other's half-written partials
    and commit wrong rows. MySQL/MariaDB: a named lock (GET_LOCK) held by the model's connection
    from the first step to the post-hook, released also when the connection closes (a failed
    run). A run that finds it held stops before touching anything and says so; cron's next run
    catches up. DuckDB: nothing to do, a database file has one writing process at a time. -#}
{% macro metrics_lock_name() -%}
    {%- set name = 'data_pipeline ' ~ this.schema ~ '.' ~ this.identifier -%}
    {{ return(name if name | length <= 64 else 'data_pipeline ' ~ local_md5(name)) }}
{%- endmacro %}

{% macro metrics_lock() -%}
    {{ return(adapter.dispatch('metrics_lock', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__metrics_lock() -%}{%- endmacro %}
{% macro mysql__metrics_lock() -%}
    {%- set name = data_pipeline.metrics_lock_name() -%}
    {%- set row = run_query('select get_lock(' ~ data_pipeline.string_literal(name) ~ ', 0), is_used_lock('
                            ~ data_pipeline.string_literal(name) ~ ')').rows[0] -%}
    {%- if row[0] != 1 -%}
        {{ exceptions.raise_compiler_error('ohlc_metrics_daily: another run of ' ~ this ~ ' is in progress (the lock "'
            ~ name ~ '" is held by connection ' ~ row[1]
            ~ '); this run changed nothing. Run it again once that one ends.') }}
    {%- endif -%}
{%- endmacro %}
{% macro mariadb__metrics_lock() -%}{{ data_pipeline.mysql__metrics_lock() }}{%- endmacro %}

{% macro metrics_unlock() -%}
    {{ return(adapter.dispatch('metrics_unlock', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__metrics_unlock() -%}{%- endmacro %}
{% macro mysql__metrics_unlock() -%}
    {%- do run_query('select release_lock(' ~ data_pipeline.string_literal(data_pipeline.metrics_lock_name()) ~ ')') -%}
{%- endmacro %}
{% macro mariadb__metrics_unlock() -%}{{ data_pipeline.mysql__metrics_unlock() }}{%- endmacro %}
