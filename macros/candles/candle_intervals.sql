{#- The candle intervals (../shared/spec/candles-and-indicators.md): name -> seconds. Every
    interval divides the next, and every candle is epoch-aligned, so each interval's candles can be
    built from the finer candles of the largest interval that divides it. -#}
{% macro candle_interval_seconds() -%}
    {{ return({'5m': 300, '15m': 900, '1h': 3600, '4h': 14400, '1d': 86400}) }}
{%- endmacro %}

{#- The intervals that have indicators (a subset of the candles'). -#}
{% macro indicator_interval_names() -%}
    {{ return(['15m', '1h', '4h', '1d']) }}
{%- endmacro %}

{#- The var `name` as a list of interval names, each one of `allowed`: a list ([5m, 1h]) or a
    comma-separated string ('5m,1h'); an unknown interval or a repeated one is an error naming the
    var. Read at parse time too (which models are enabled). -#}
{% macro interval_list_var(name, allowed) -%}
    {%- set raw = var(name) -%}
    {%- if raw is string -%}
        {%- set names = [] -%}
        {%- for part in raw.split(',') if part | trim -%}{%- do names.append(part | trim) -%}{%- endfor -%}
    {%- elif raw is iterable and raw is not mapping -%}
        {%- set names = raw | map('string') | map('trim') | list -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ ": expected a list of intervals out of "
            ~ allowed | join(', ') ~ ", got " ~ tojson(raw | string)) }}
    {%- endif -%}
    {%- for interval in names -%}
        {%- if interval not in allowed -%}
            {{ exceptions.raise_compiler_error("var " ~ name ~ ": unknown interval " ~ tojson(interval)
                ~ " (expected some of " ~ allowed | join(', ') ~ ")") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if names | unique | list | length != names | length -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ ": an interval is listed twice in " ~ tojson(names)) }}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}

{% macro candle_intervals() -%}
    {%- set allowed = data_pipeline.candle_interval_seconds().keys() | list -%}
    {{ return(data_pipeline.interval_list_var('candle_intervals', allowed)) }}
{%- endmacro %}

{#- indicator_intervals, each of which must have its candles. -#}
{% macro indicator_intervals() -%}
    {%- set allowed = data_pipeline.indicator_interval_names() -%}
    {%- set names = data_pipeline.interval_list_var('indicator_intervals', allowed) -%}
    {%- set candles = data_pipeline.candle_intervals() -%}
    {%- for interval in names if interval not in candles -%}
        {{ exceptions.raise_compiler_error("var indicator_intervals: " ~ interval ~ " needs its candles, but var "
            ~ "candle_intervals (" ~ candles | join(', ') ~ ") does not list it") }}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- The finer interval candles_<interval> is built from: the largest listed interval that divides
    it, or none (the minute bars). -#}
{% macro candle_source_interval(interval) -%}
    {%- set seconds = data_pipeline.candle_interval_seconds() -%}
    {%- set dividing = [] -%}
    {%- for finer, finer_seconds in seconds.items() -%}
        {%- if finer in data_pipeline.candle_intervals() and finer_seconds < seconds[interval]
                and seconds[interval] % finer_seconds == 0 -%}
            {%- do dividing.append(finer) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(dividing[-1] if dividing else none) }}
{%- endmacro %}

{#- Whether candles_<interval> is built (the var candle_intervals lists it). An interval it does not
    list stays a model (the exposures name every candle table) but is an empty view. -#}
{% macro candles_enabled(interval) -%}
    {{ return(interval in data_pipeline.candle_intervals()) }}
{%- endmacro %}

{% macro candles_materialized(interval) -%}
    {{ return('incremental' if data_pipeline.candles_enabled(interval) else 'view') }}
{%- endmacro %}
