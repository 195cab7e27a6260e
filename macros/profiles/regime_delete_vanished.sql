{#- symbol_regime_daily's post-hook: the stored days whose complete daily candle is gone (its bars were removed)
    are deleted; dbt's delete+insert only replaces the days the run wrote. In the insert's transaction. The
    relation's own name refers to the row (unaliased: MariaDB refuses an alias in a DELETE without a default
    database, error 1046). -#}
{% macro regime_delete_vanished() -%}
    {{ return(adapter.dispatch('regime_delete_vanished', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__regime_delete_vanished() -%}
    {%- if not execute or not is_incremental() -%}{{ return('') }}{%- endif -%}
    {%- set stored = this.identifier -%}
    delete from {{ this }}
    where not exists (
        select 1
        from {{ ref('candles_1d') }} as daily_candles
        where
            daily_candles.symbol = {{ stored }}.symbol
            and daily_candles.candle_at = {{ cast_timestamp(stored ~ '.regime_date') }}
            and daily_candles.is_complete
    )
{%- endmacro %}

{#- Spark: the overwrite rewrote every month with a lost day from its surviving rows (spark__regime_table_rows);
    a month with no surviving row was left one lost day as its tombstone: its partition is dropped.
    https://spark.apache.org/docs/3.5.0/sql-ref-syntax-ddl-alter-table.html#drop-partition -#}
{% macro spark__regime_delete_vanished() -%}
    {%- if not execute or not is_incremental() -%}{{ return('') }}{%- endif -%}
    {%- set emptied -%}
        select stored_rows.regime_month
        from {{ this }} as stored_rows
        left join {{ ref('candles_1d') }} as daily_candles
            on
                stored_rows.symbol = daily_candles.symbol
                and stored_rows.regime_date = {{ cast_date('daily_candles.candle_at') }}
                and daily_candles.is_complete
        group by stored_rows.regime_month
        having count(daily_candles.symbol) = 0
    {%- endset -%}
    {%- set months = run_query(emptied).columns[0].values() -%}
    {%- if months | length == 0 -%}{{ return('') }}{%- endif -%}
    alter table {{ this }} drop if exists
    {%- for month in months | sort %} partition (regime_month = '{{ month }}'){{ ',' if not loop.last }}{% endfor %}
{%- endmacro %}

{#- What symbol_regime_daily's query reads as its stored rows on a full build: its columns, no row. -#}
{% macro regime_nothing_stored() -%}
    (
        select
            {{ cast_string('null') }} as symbol,
            {{ cast_date('null') }} as regime_date,
            {{ cast_double('null') }} as rv_30d
        where 1 = 0
    )
{%- endmacro %}
