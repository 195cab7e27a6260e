{#- ohlc_metrics_daily's rules for one window (suffix, e.g. '7d'), returning the rows that break
    one: the bar count lies in 0..minutes; an empty window has every metric NULL and a window with
    a bar has every always-defined metric; RSI and %K lie in 0..100, %D equals %K, %K is NULL
    exactly when the window is empty or its closes are flat, and the directional index is NULL
    with fewer than 2 bars. The lists come from the generated metrics_catalog. -#}
{% test metrics_window_rules(model, suffix) %}
    {%- set catalog = data_pipeline.metrics_catalog() -%}
    {%- set minutes = (catalog.windows | selectattr(0, 'equalto', suffix) | first)[1] -%}
    {%- set bars = 'bars_' ~ suffix -%}
    {%- set c = {} -%}
    {%- for metric in catalog.metrics -%}{%- do c.update({metric: metric ~ '_' ~ suffix}) -%}{%- endfor %}
    select *
    from {{ model }}
    where not coalesce((
        {{ bars }} between 0 and {{ minutes }}
        and (
            (
                {{ bars }} = 0
                {%- for metric in catalog.metrics %} and {{ c[metric] }} is null{% endfor %}
            )
            or (
                {{ bars }} > 0
                {%- for metric in catalog.always_defined %} and {{ c[metric] }} is not null{% endfor %}
            )
        )
        and ({{ c.rsi }} is null or {{ c.rsi }} between 0 and 100)
        and ({{ c.stochastic_k }} is null or {{ c.stochastic_k }} between 0 and 100)
        and (
            ({{ c.stochastic_d }} is null and {{ c.stochastic_k }} is null)
            or {{ c.stochastic_d }} = {{ c.stochastic_k }}
        )
        and (({{ c.stochastic_k }} is null) = ({{ bars }} = 0 or {{ c.close_max }} = {{ c.close_min }}))
        and (({{ bars }} < 2) <= ({{ c.adx }} is null))
    ), false)
{% endtest %}
