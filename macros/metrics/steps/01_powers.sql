{#- Step 1 of ohlc_metrics_daily (driver: metrics_prepare in metrics_run.sql). r^e for the ratio r
    of every window's exponential averages and e = 0..1439 (a segment holds at most 1,440 minute
    bars): the partials look the weights up instead of calling power() 24 times per bar (a large
    share of their time; docs/metrics.md). The same power() computes them, so the weights are the
    same doubles, and metrics_weight falls back to power() past the end. -#}
{% macro metrics_step_powers() -%}
    select
        numbers.i as weight_exponent
        {%- for w in data_pipeline.metrics_windows() %}
        {%- for average in data_pipeline.metrics_averages() %}
        , power({{ data_pipeline.double_literal(w.r[average]) }}, numbers.i) as weight_{{ average }}_{{ w.suffix }}
        {%- endfor %}
        {%- endfor %}
    from ({{ data_pipeline.number_series(1440) }}) as numbers
    where numbers.i < 1440
{%- endmacro %}

{#- r^bars_after of window w's exponential average `average`, for a bar joined to step 1's table. -#}
{% macro metrics_weight(w, average) -%}
    coalesce(weight_{{ average }}_{{ w.suffix }}, power({{ data_pipeline.double_literal(w.r[average]) }}, bars_after))
{%- endmacro %}
