{#- The daily metrics' windows with what the SQL derives from them (../shared/spec/daily-metrics.md):
    suffix, minutes, whether it is short (inside one day, ends at the snapshot, nests), and the
    ratios of its three exponential averages (metrics_averages: ema_fast, ema_slow, macd_signal):
    r = 1 - a, a = 2/(span+1).
    The windows and metric names themselves come from metrics_catalog (generated from
    python_jobs/pipeline/metrics_catalog.py, the one list). -#}
{% macro metrics_windows() -%}
    {%- set out = [] -%}
    {%- for suffix, minutes in data_pipeline.metrics_catalog().windows -%}
        {%- set spans = {
            'ema_fast': [2, (0.2 * minutes) | round(0, 'floor') | int] | max,
            'ema_slow': [2, (0.4 * minutes) | round(0, 'floor') | int] | max,
            'macd_signal': [2, (0.15 * minutes) | round(0, 'floor') | int] | max,
        } -%}
        {%- set a = {} -%}
        {%- set r = {} -%}
        {%- for key, span in spans.items() -%}
            {%- do a.update({key: 2.0 / (span + 1)}) -%}
            {%- do r.update({key: 1.0 - 2.0 / (span + 1)}) -%}
        {%- endfor -%}
        {#- The MACD signal as a combination of the three weighted sums (docs/metrics.md):
            signal = c_signal X(r_signal) + c_fast X(r_fast) + c_slow X(r_slow). -#}
        {%- set fast, slow, signal = 'ema_fast', 'ema_slow', 'macd_signal' -%}
        {%- set coefficients = {
            signal: a[signal] * r[signal] * (a[fast] / (r[signal] - r[fast]) - a[slow] / (r[signal] - r[slow])),
            fast: -a[signal] * a[fast] * r[fast] / (r[signal] - r[fast]),
            slow: a[signal] * a[slow] * r[slow] / (r[signal] - r[slow]),
        } -%}
        {%- do out.append({
            'suffix': suffix,
            'minutes': minutes,
            'days': minutes // 1440,
            'short': minutes <= 1440,
            'spans': spans,
            'a': a,
            'r': r,
            'signal': coefficients,
        }) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- The exponential averages every window carries a weighted sum of. -#}
{% macro metrics_averages() -%}
    {{ return(['ema_fast', 'ema_slow', 'macd_signal']) }}
{%- endmacro %}

{% macro metrics_short_windows() -%}
    {{ return(data_pipeline.metrics_windows() | selectattr('short') | list) }}
{%- endmacro %}

{% macro metrics_long_windows() -%}
    {{ return(data_pipeline.metrics_windows() | rejectattr('short') | list) }}
{%- endmacro %}

{#- The 26 metrics, in column order. -#}
{% macro metrics_names() -%}
    {{ return(data_pipeline.metrics_catalog().metrics) }}
{%- endmacro %}

{#- A double literal that reads back as the same double. -#}
{% macro double_literal(x) -%}{{ '%.17g' | format(x) }}{%- endmacro %}
