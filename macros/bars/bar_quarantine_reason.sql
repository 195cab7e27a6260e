{#- The first rule a raw minute bar breaks, as a short reason, or NULL for a sane bar.
    One definition shared by stg_ohlcvt (keeps the NULLs) and stg_ohlcvt_quarantine (keeps the
    rest). Column names are the source's (ohlcvt) names.
    NULL volume and NULL trades are allowed (unknown), negative ones are not. -#}
{% macro bar_quarantine_reason(
    symbol='symbol', ts='timestamp', open='open', high='high', low='low', close='close',
    volume='volume', trades='trades'
) -%}
    case
        when {{ symbol }} is null or {{ symbol }} = '' then 'missing symbol'
        when {{ ts }} is null then 'missing timestamp'
        when {{ data_pipeline.off_minute_boundary(ts) }} then 'timestamp not on a minute boundary'
        when {{ ts }} > {{ data_pipeline.utc_now() }} + interval {{ data_pipeline.future_bar_minutes() }} minute
            then 'timestamp in the future'
        when {{ open }} is null or {{ high }} is null or {{ low }} is null or {{ close }} is null
            then 'missing price'
        when {{ open }} <= 0 or {{ high }} <= 0 or {{ low }} <= 0 or {{ close }} <= 0
            then 'price not positive'
        {#- NaN and inf (DuckDB can hold them) compare above every number there, so these catch them too #}
        {%- set limits = data_pipeline.bar_value_limits() %}
        when {% for p in [open, high, low, close] %}{% if not loop.first %} or {% endif -%}
            {{ p }} < {{ limits.min_price }} or {{ p }} >= {{ limits.max_price }}{% endfor %}
            then 'price out of range'
        when {{ volume }} >= {{ limits.max_volume }} then 'volume out of range'
        when {{ trades }} > {{ limits.max_trades }} then 'trades out of range'
        when {{ high }} < {{ open }} or {{ high }} < {{ close }} then 'high below open or close'
        when {{ low }} > {{ open }} or {{ low }} > {{ close }} then 'low above open or close'
        when {{ volume }} < 0 then 'negative volume'
        when {{ trades }} < 0 then 'negative trades'
    end
{%- endmacro %}

{#- The var bar_value_limits as SQL number literals: min_price, max_price, max_volume, max_trades. -#}
{% macro bar_value_limits() -%}
    {%- set limits = var('bar_value_limits') -%}
    {%- set literals = {} -%}
    {%- for key in ['min_price', 'max_price', 'max_volume', 'max_trades'] -%}
        {%- set value = limits.get(key) if limits is mapping else none -%}
        {#- the rule python_jobs/pipeline/bars.py (value_limits) applies: a finite positive number -#}
        {%- if value is boolean or value is not number or value != value or value <= 0 or value > 1e308 -%}
            {{ exceptions.raise_compiler_error('var bar_value_limits: expected a finite positive number for ' ~ key
                ~ ', got ' ~ tojson(value | string)) }}
        {%- endif -%}
        {%- do literals.update({key: '%.17g' | format(value | float)}) -%}
    {%- endfor -%}
    {%- if limits.min_price >= limits.max_price -%}
        {{ exceptions.raise_compiler_error('var bar_value_limits: min_price must be below max_price') }}
    {%- endif -%}
    {{ return(literals) }}
{%- endmacro %}

{#- The source's trade-count column, or a typed NULL when the var ohlcvt_has_trades is false. -#}
{% macro ohlcvt_trades_column() -%}
    {%- if data_pipeline.checked_var('ohlcvt_has_trades') -%}
        trades
    {%- else -%}
        {{ data_pipeline.cast_bigint('null') }}
    {%- endif -%}
{%- endmacro %}

{#- True when ts has seconds or fractions of a second. Cheap forms: this runs on every bar. -#}
{% macro off_minute_boundary(ts) -%}
    {{ return(adapter.dispatch('off_minute_boundary', 'data_pipeline')(ts)) }}
{%- endmacro %}
{% macro default__off_minute_boundary(ts) -%}
    ({{ data_pipeline.epoch_seconds(ts) }} - 60 * {{ data_pipeline.int_div(data_pipeline.epoch_seconds(ts), 60) }} <> 0)
{%- endmacro %}
{#- https://mariadb.com/kb/en/second/ , https://mariadb.com/kb/en/microsecond/ (fraction only) -#}
{% macro mysql__off_minute_boundary(ts) -%}(second({{ ts }}) <> 0 or microsecond({{ ts }}) <> 0){%- endmacro %}
{% macro mariadb__off_minute_boundary(ts) -%}{{ data_pipeline.mysql__off_minute_boundary(ts) }}{%- endmacro %}
{#- https://duckdb.org/docs/sql/functions/datepart : microseconds include the seconds. -#}
{% macro duckdb__off_minute_boundary(ts) -%}(microsecond({{ ts }}) <> 0){%- endmacro %}
{#- https://spark.apache.org/docs/3.5.0/api/sql/#unix_micros : the fraction counts too. -#}
{% macro spark__off_minute_boundary(ts) -%}(unix_micros(cast({{ ts }} as timestamp)) % 60000000 <> 0){%- endmacro %}

{#- How far past the database's UTC clock a bar's timestamp may lie before it is quarantined as
    'timestamp in the future'. A bar is stamped with the start of its minute, so even the one in
    progress is never later than now; the margin absorbs clocks out of step. A bar stamped ahead
    (a local time taken for UTC, a wrong year) would otherwise make its date the current date of
    every symbol (ohlc_metrics_daily), closing out today's rows early. It becomes sane by itself
    once the clock passes it. -#}
{% macro future_bar_minutes() -%}{{ return(5) }}{%- endmacro %}
