{#- symbol_regime_daily's post-hook: the stored days whose complete daily candle is gone (its bars were removed)
    are deleted; dbt's delete+insert only replaces the days the run wrote. In the insert's transaction. The
    relation's own name refers to the row (unaliased: MariaDB refuses an alias in a DELETE without a default
    database, error 1046). -#}
{% macro regime_delete_vanished() -%}
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
