{#- The 26 metrics of one window (../shared/spec/daily-metrics.md) from its partials, columns
    `<p>name` of the enclosing query:
    n bars; cl the last close, which anchors s1 = sum(c - cl), s2 = sum((c - cl)^2) (or, merged
    from segments, the same moments: s2 - s1^2/n is n times the variance); cmin, cmax; vsum, cv =
    sum(c v); c0 the first close; xf, xs, xq the anchored geometric sums X(r) = sum r^(n-1-i) (c_i - c0);
    tp1, tp2 the typical price's moments anchored at cl, tpmin, tpmax, tpl the last typical price;
    gain, loss, tr, obv, dp, dm sums over consecutive bars (tr over every bar, the first one's
    high - low); tsum, tcnt the trades and how many bars have them; mad sum |tp - mean tp|.
    NULL where the spec calls the value undefined. -#}
{% macro metrics_window_expressions(p, w) -%}
    {%- set s = w.suffix -%}
    {%- set d = data_pipeline.double_literal -%}
    {%- set n = p ~ 'n' -%}
    {%- set close_mean = '(' ~ p ~ 'cl + ' ~ p ~ 's1 / ' ~ n ~ ')' -%}
    {%- set tp_mean = '(' ~ p ~ 'cl + ' ~ p ~ 'tp1 / ' ~ n ~ ')' -%}
    {%- set tp_std -%}
        (case when {{ p }}tpmax = {{ p }}tpmin then 0 else sqrt(greatest(({{ p }}tp2 - {{ p }}tp1 * {{ p }}tp1 / {{ n }}) / {{ n }}, 0)) end)
    {%- endset -%}
    {%- set vwap = data_pipeline.safe_divide(p ~ 'cv', p ~ 'vsum') -%}
    {%- set atr = '(' ~ p ~ 'tr / ' ~ n ~ ')' -%}
    {%- set macd = '(' ~ d(w.a.f) ~ ' * ' ~ p ~ 'xf - ' ~ d(w.a.s) ~ ' * ' ~ p ~ 'xs)' -%}
    {%- set signal = '(' ~ d(w.signal.q) ~ ' * ' ~ p ~ 'xq + ' ~ d(w.signal.f) ~ ' * ' ~ p ~ 'xf + ' ~ d(w.signal.s) ~ ' * ' ~ p ~ 'xs)' -%}
    {%- set stochastic -%}
        (case when {{ p }}cmax > {{ p }}cmin then 100 * (({{ p }}cl - {{ p }}cmin) / ({{ p }}cmax - {{ p }}cmin)) end)
    {%- endset -%}
    {%- set dpi = '(100 * ' ~ p ~ 'dp / (' ~ n ~ ' - 1) / ' ~ atr ~ ')' -%}
    {%- set dmi = '(100 * ' ~ p ~ 'dm / (' ~ n ~ ' - 1) / ' ~ atr ~ ')' -%}
    {%- set values = {
        'close_mean': close_mean,
        'sma': close_mean,
        'close_stddev': '(case when ' ~ p ~ 'cmax = ' ~ p ~ 'cmin then 0 else sqrt(greatest((' ~ p ~ 's2 - ' ~ p ~ 's1 * ' ~ p ~ 's1 / ' ~ n ~ ') / ' ~ n ~ ', 0)) end)',
        'close_min': p ~ 'cmin',
        'close_max': p ~ 'cmax',
        'volume_sum': p ~ 'vsum',
        'vwap': vwap,
        'price_deviation_vwap': data_pipeline.safe_divide(p ~ 'cl - ' ~ vwap, vwap),
        'roc': '(case when ' ~ p ~ 'c0 <> 0 then (' ~ p ~ 'cl - ' ~ p ~ 'c0) / ' ~ p ~ 'c0 * 100 end)',
        'returns_log': '(case when ' ~ p ~ 'c0 > 0 and ' ~ p ~ 'cl > 0 then ln(' ~ p ~ 'cl / ' ~ p ~ 'c0) end)',
        'ema_fast': '(' ~ p ~ 'c0 + ' ~ d(w.a.f) ~ ' * ' ~ p ~ 'xf)',
        'ema_slow': '(' ~ p ~ 'c0 + ' ~ d(w.a.s) ~ ' * ' ~ p ~ 'xs)',
        'macd': macd,
        'macd_signal': signal,
        'macd_histogram': '(' ~ macd ~ ' - ' ~ signal ~ ')',
        'bollinger_upper': '(' ~ tp_mean ~ ' + 2 * ' ~ tp_std ~ ')',
        'bollinger_lower': '(' ~ tp_mean ~ ' - 2 * ' ~ tp_std ~ ')',
        'bollinger_width': '((' ~ tp_mean ~ ' + 2 * ' ~ tp_std ~ ') - (' ~ tp_mean ~ ' - 2 * ' ~ tp_std ~ '))',
        'rsi': '(case when ' ~ n ~ ' < 2 or ' ~ p ~ 'loss = 0 then (case when ' ~ p ~ 'gain > 0 then 100 else 50 end)'
               ~ ' else 100 - 100 / (1 + (' ~ p ~ 'gain / (' ~ n ~ ' - 1)) / (' ~ p ~ 'loss / (' ~ n ~ ' - 1))) end)',
        'atr': atr,
        'stochastic_k': stochastic,
        'stochastic_d': stochastic,
        'obv': 'coalesce(' ~ p ~ 'obv, 0)',
        'cci': '(case when ' ~ p ~ 'tpmax > ' ~ p ~ 'tpmin and ' ~ p ~ 'mad > 0 then ((' ~ p ~ 'tpl - ' ~ p ~ 'cl) - '
               ~ p ~ 'tp1 / ' ~ n ~ ') / (0.015 * ' ~ p ~ 'mad / ' ~ n ~ ') end)',
        'adx': '(case when ' ~ n ~ ' >= 2 and ' ~ p ~ 'tr > 0 and ' ~ p ~ 'dp + ' ~ p ~ 'dm > 0 then 100 * abs('
               ~ dpi ~ ' - ' ~ dmi ~ ') / (' ~ dpi ~ ' + ' ~ dmi ~ ') end)',
        'average_trades': data_pipeline.safe_divide(p ~ 'tsum', p ~ 'tcnt'),
    } -%}
    {%- set out = {} -%}
    {%- for metric in data_pipeline.metrics_names() -%}
        {%- do out.update({metric: data_pipeline.cast_double('case when ' ~ n ~ ' > 0 then ' ~ values[metric] ~ ' end')}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- The table's metric columns, metric by metric and window by window, then bars_<suffix>,
    from the partials of each window under the prefix w<suffix>_. -#}
{% macro metrics_columns() -%}
    {%- set prefixes = {} -%}
    {%- for w in data_pipeline.metrics_windows() -%}
        {%- do prefixes.update({w.suffix: 'w' ~ w.suffix ~ '_'}) -%}
    {%- endfor -%}
    {%- set expressions = {} -%}
    {%- for w in data_pipeline.metrics_windows() -%}
        {%- do expressions.update({w.suffix: data_pipeline.metrics_window_expressions(prefixes[w.suffix], w)}) -%}
    {%- endfor -%}
    {%- for metric in data_pipeline.metrics_names() %}
    {%- for w in data_pipeline.metrics_windows() %}
        {{ expressions[w.suffix][metric] }} as {{ metric }}_{{ w.suffix }},
    {%- endfor %}
    {%- endfor %}
    {%- for w in data_pipeline.metrics_windows() %}
        {{ data_pipeline.cast_bigint('coalesce(' ~ prefixes[w.suffix] ~ 'n, 0)') }} as bars_{{ w.suffix }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- ohlc_metrics_daily's window partials under the prefix w<suffix>_ (the inputs of
    metrics_window_expressions), from the joined step tables: segments and short_mad for the
    short windows (X(r) completed with the first close: X = G + (anchor - c0) (1 - r^n) / (1 - r)),
    long_<suffix> and long_<suffix>_mad for the long ones. -#}
{% macro metrics_partial_columns() -%}
    {%- set d = data_pipeline.double_literal -%}
    {%- set out = [] -%}
    {%- for w in data_pipeline.metrics_short_windows() -%}
        {%- set p = 'w' ~ w.suffix ~ '_' -%}
        {%- for col in ['n', 's1', 's2', 'cmin', 'cmax', 'vsum', 'cv', 'c0', 'tp1', 'tp2', 'tpmin', 'tpmax',
                        'gain', 'loss', 'obv', 'dp', 'dm', 'tsum', 'tcnt'] -%}
            {%- do out.append('segments.' ~ p ~ col) -%}
        {%- endfor -%}
        {%- do out.append('segments.anchor as ' ~ p ~ 'cl') -%}
        {%- do out.append('segments.last_tp as ' ~ p ~ 'tpl') -%}
        {%- do out.append('coalesce(segments.' ~ p ~ 'trin, 0) + segments.' ~ p ~ 'hl0 as ' ~ p ~ 'tr') -%}
        {%- do out.append('short_mad.' ~ p ~ 'mad') -%}
        {%- for key in ['f', 's', 'q'] -%}
            {%- do out.append('segments.' ~ p ~ 'g' ~ w.suffix ~ '_' ~ key ~ ' + (segments.anchor - segments.' ~ p ~ 'c0) * (1 - power('
                ~ d(w.r[key]) ~ ', segments.' ~ p ~ 'n)) / ' ~ d(1 - w.r[key]) ~ ' as ' ~ p ~ 'x' ~ key) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for w in data_pipeline.metrics_long_windows() -%}
        {%- set p = 'w' ~ w.suffix ~ '_' -%}
        {%- for col in ['n', 's1', 's2', 'cmin', 'cmax', 'vsum', 'cv', 'c0', 'cl', 'tp1', 'tp2', 'tpmin', 'tpmax', 'tpl',
                        'gain', 'loss', 'tr', 'obv', 'dp', 'dm', 'tsum', 'tcnt', 'xf', 'xs', 'xq'] -%}
            {%- do out.append('long_' ~ w.suffix ~ '.' ~ col ~ ' as ' ~ p ~ col) -%}
        {%- endfor -%}
        {%- do out.append('long_' ~ w.suffix ~ '_mad.mad as ' ~ p ~ 'mad') -%}
    {%- endfor -%}
    {{ out | join(',\n        ') }}
{%- endmacro %}
