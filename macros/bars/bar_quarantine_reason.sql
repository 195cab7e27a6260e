{#- The first rule a raw minute bar breaks, as a short reason, or NULL for a sane bar.
    One definition shared by stg_ohlcvt (keeps the NULLs), stg_ohlcvt_quarantine (keeps the rest)
    and the sane_bar_values source test. Column names are the source's (ohlcvt) names.
    NULL volume and NULL trades are allowed (unknown), negative ones are not. -#}
{% macro bar_quarantine_reason(
    symbol='symbol', ts='timestamp', open='open', high='high', low='low', close='close',
    volume='volume', trades='trades'
) -%}
    case
        when {{ symbol }} is null or {{ symbol }} = '' then 'missing symbol'
        when {{ ts }} is null then 'missing timestamp'
        when {{ data_pipeline.epoch_seconds(ts) }} - 60 * {{ data_pipeline.int_div(data_pipeline.epoch_seconds(ts), 60) }} <> 0
            then 'timestamp not on a minute boundary'
        when {{ open }} is null or {{ high }} is null or {{ low }} is null or {{ close }} is null
            then 'missing price'
        when {{ open }} <= 0 or {{ high }} <= 0 or {{ low }} <= 0 or {{ close }} <= 0
            then 'price not positive'
        when {{ high }} < {{ open }} or {{ high }} < {{ close }} then 'high below open or close'
        when {{ low }} > {{ open }} or {{ low }} > {{ close }} then 'low above open or close'
        when {{ volume }} < 0 then 'negative volume'
        when {{ trades }} < 0 then 'negative trades'
    end
{%- endmacro %}

{#- The source's trade-count column, or a typed NULL when the var ohlcvt_has_trades is false. -#}
{% macro ohlcvt_trades_column() -%}
    {%- if var('ohlcvt_has_trades', true) -%}trades{%- else -%}{{ data_pipeline.cast_bigint('null') }}{%- endif -%}
{%- endmacro %}
