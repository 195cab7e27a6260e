{#- The daily metrics' windows with what the SQL derives from them (../shared/spec/daily-metrics.md):
    suffix, minutes, whether it is short (inside one day, ends at the snapshot, nests), and the
    ratios of its three exponential averages (fast, slow, MACD signal): r = 1 - a, a = 2/(span+1).
    The windows and metric names themselves come from metrics_catalog (generated from
    python_jobs/pipeline/metrics_catalog.py, the one list). -#}
{% macro metrics_windows() -%}
    {%- set out = [] -%}
    {%- for suffix, minutes in data_pipeline.metrics_catalog().windows -%}
        {%- set spans = {
            'f': [2, (0.2 * minutes) | round(0, 'floor') | int] | max,
            's': [2, (0.4 * minutes) | round(0, 'floor') | int] | max,
            'q': [2, (0.15 * minutes) | round(0, 'floor') | int] | max,
        } -%}
        {%- set a = {} -%}
        {%- set r = {} -%}
        {%- for key, span in spans.items() -%}
            {%- do a.update({key: 2.0 / (span + 1)}) -%}
            {%- do r.update({key: 1.0 - 2.0 / (span + 1)}) -%}
        {%- endfor -%}
        {#- The MACD signal as a combination of the three anchored geometric sums
            (docs/metrics.md): signal = cq X(q) + cf X(f) + cs X(s). -#}
        {%- set coefficients = {
            'q': a['q'] * r['q'] * (a['f'] / (r['q'] - r['f']) - a['s'] / (r['q'] - r['s'])),
            'f': -a['q'] * a['f'] * r['f'] / (r['q'] - r['f']),
            's': a['q'] * a['s'] * r['s'] / (r['q'] - r['s']),
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
