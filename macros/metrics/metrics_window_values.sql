{#- The 26 metrics of one window (../shared/spec/daily-metrics.md) from its partials, the columns
    `<p><name>` of the enclosing query (the names of step 3, docs/metrics.md):
    bar_count; last_close, which anchors close_dev_sum = sum(close - last_close) and
    close_dev_sq_sum = sum((close - last_close)^2) (or, merged from segments, the same moments:
    close_dev_sq_sum - close_dev_sum^2 / n is n times the variance); close_min, close_max;
    volume_sum, close_volume_sum = sum(close volume); first_close; <average>_weighted, the weighted
    sums X(r) = sum r^(n-1-i) (close_i - first_close) of ema_fast, ema_slow and macd_signal;
    typical_dev_sum, typical_dev_sq_sum (anchored at last_close), typical_min, typical_max,
    last_typical; rsi_gain_sum, rsi_loss_sum, atr_true_range_sum, obv_flow_sum,
    adx_plus_move_sum, adx_minus_move_sum over consecutive bars (the true range over every bar,
    the first one's high - low); trades_sum, trades_count (bars that have trades);
    cci_abs_dev_sum = sum |typical - mean typical|. NULL where the spec calls the value undefined. -#}
{% macro metrics_window_expressions(p, w) -%}
    {%- set d = data_pipeline.double_literal -%}
    {%- set n = p ~ 'bar_count' -%}
    {%- set close_mean = '(' ~ p ~ 'last_close + ' ~ p ~ 'close_dev_sum / ' ~ n ~ ')' -%}
    {%- set typical_mean = '(' ~ p ~ 'last_close + ' ~ p ~ 'typical_dev_sum / ' ~ n ~ ')' -%}
    {%- set close_stddev -%}
        (case when {{ p }}close_max = {{ p }}close_min then 0
            else sqrt(greatest(({{ p }}close_dev_sq_sum - {{ p }}close_dev_sum * {{ p }}close_dev_sum / {{ n }})
                / {{ n }}, 0))
        end)
    {%- endset -%}
    {%- set typical_stddev -%}
        (case when {{ p }}typical_max = {{ p }}typical_min then 0
            else sqrt(greatest(({{ p }}typical_dev_sq_sum - {{ p }}typical_dev_sum * {{ p }}typical_dev_sum / {{ n }})
                / {{ n }}, 0))
        end)
    {%- endset -%}
    {%- set vwap = data_pipeline.safe_divide(p ~ 'close_volume_sum', p ~ 'volume_sum') -%}
    {%- set atr = '(' ~ p ~ 'atr_true_range_sum / ' ~ n ~ ')' -%}
    {%- set ema = {} -%}
    {%- for average in data_pipeline.metrics_averages() -%}
        {%- do ema.update({average: d(w.a[average]) ~ ' * ' ~ p ~ average ~ '_weighted'}) -%}
    {%- endfor -%}
    {%- set macd = '(' ~ ema.ema_fast ~ ' - ' ~ ema.ema_slow ~ ')' -%}
    {%- set signal_terms = [] -%}
    {%- for average in ['macd_signal', 'ema_fast', 'ema_slow'] -%}
        {%- do signal_terms.append(d(w.signal[average]) ~ ' * ' ~ p ~ average ~ '_weighted') -%}
    {%- endfor -%}
    {%- set signal = '(' ~ signal_terms | join(' + ') ~ ')' -%}
    {%- set stochastic -%}
        (case when {{ p }}close_max > {{ p }}close_min
            then 100 * (({{ p }}last_close - {{ p }}close_min) / ({{ p }}close_max - {{ p }}close_min)) end)
    {%- endset -%}
    {%- set plus_di = '(100 * ' ~ p ~ 'adx_plus_move_sum / (' ~ n ~ ' - 1) / ' ~ atr ~ ')' -%}
    {%- set minus_di = '(100 * ' ~ p ~ 'adx_minus_move_sum / (' ~ n ~ ' - 1) / ' ~ atr ~ ')' -%}
    {%- set rsi -%}
        (case when {{ n }} < 2 or {{ p }}rsi_loss_sum = 0 then (case when {{ p }}rsi_gain_sum > 0 then 100 else 50 end)
            else 100 - 100 / (1 + ({{ p }}rsi_gain_sum / ({{ n }} - 1)) / ({{ p }}rsi_loss_sum / ({{ n }} - 1)))
        end)
    {%- endset -%}
    {%- set cci -%}
        (case when {{ p }}typical_max > {{ p }}typical_min and {{ p }}cci_abs_dev_sum > 0
            then (({{ p }}last_typical - {{ p }}last_close) - {{ p }}typical_dev_sum / {{ n }})
                / (0.015 * {{ p }}cci_abs_dev_sum / {{ n }})
        end)
    {%- endset -%}
    {%- set adx -%}
        (case when {{ n }} >= 2 and {{ p }}atr_true_range_sum > 0
                and {{ p }}adx_plus_move_sum + {{ p }}adx_minus_move_sum > 0
            then 100 * abs({{ plus_di }} - {{ minus_di }}) / ({{ plus_di }} + {{ minus_di }})
        end)
    {%- endset -%}
    {%- set values = {
        'close_mean': close_mean,
        'sma': close_mean,
        'close_stddev': close_stddev,
        'close_min': p ~ 'close_min',
        'close_max': p ~ 'close_max',
        'volume_sum': p ~ 'volume_sum',
        'vwap': vwap,
        'price_deviation_vwap': data_pipeline.safe_divide(p ~ 'last_close - ' ~ vwap, vwap),
        'roc': '(case when ' ~ p ~ 'first_close <> 0 then (' ~ p ~ 'last_close - ' ~ p ~ 'first_close) / '
               ~ p ~ 'first_close * 100 end)',
        'returns_log': '(case when ' ~ p ~ 'first_close > 0 and ' ~ p ~ 'last_close > 0 then ln(' ~ p ~ 'last_close / '
                       ~ p ~ 'first_close) end)',
        'ema_fast': '(' ~ p ~ 'first_close + ' ~ ema.ema_fast ~ ')',
        'ema_slow': '(' ~ p ~ 'first_close + ' ~ ema.ema_slow ~ ')',
        'macd': macd,
        'macd_signal': signal,
        'macd_histogram': '(' ~ macd ~ ' - ' ~ signal ~ ')',
        'bollinger_upper': '(' ~ typical_mean ~ ' + 2 * ' ~ typical_stddev ~ ')',
        'bollinger_lower': '(' ~ typical_mean ~ ' - 2 * ' ~ typical_stddev ~ ')',
        'bollinger_width': '((' ~ typical_mean ~ ' + 2 * ' ~ typical_stddev ~ ') - (' ~ typical_mean ~ ' - 2 * '
                           ~ typical_stddev ~ '))',
        'rsi': rsi,
        'atr': atr,
        'stochastic_k': stochastic,
        'stochastic_d': stochastic,
        'obv': 'coalesce(' ~ p ~ 'obv_flow_sum, 0)',
        'cci': cci,
        'adx': adx,
        'average_trades': data_pipeline.safe_divide(p ~ 'trades_sum', p ~ 'trades_count'),
    } -%}
    {%- set out = {} -%}
    {%- for metric in data_pipeline.metrics_names() -%}
        {%- set value = 'case when ' ~ n ~ ' > 0 then ' ~ values[metric] ~ ' end' -%}
        {%- do out.update({metric: data_pipeline.cast_double(value)}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- The table's metric columns, metric by metric and window by window, then bars_<suffix>,
    from the partials of each window under the prefix w<suffix>_. -#}
{% macro metrics_columns() -%}
    {%- set expressions = {} -%}
    {%- for w in data_pipeline.metrics_windows() -%}
        {%- do expressions.update({w.suffix: data_pipeline.metrics_window_expressions('w' ~ w.suffix ~ '_', w)}) -%}
    {%- endfor -%}
    {%- for metric in data_pipeline.metrics_names() %}
    {%- for w in data_pipeline.metrics_windows() %}
        {{ expressions[w.suffix][metric] }} as {{ metric }}_{{ w.suffix }},
    {%- endfor %}
    {%- endfor %}
    {%- for w in data_pipeline.metrics_windows() %}
        {{ data_pipeline.cast_bigint('coalesce(w' ~ w.suffix ~ '_bar_count, 0)') }} as bars_{{ w.suffix }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- ohlc_metrics_daily's window partials under the prefix w<suffix>_ (the inputs of
    metrics_window_expressions), from the joined step tables: segments (step 3) and short_mad
    (step 10) for the short windows, with X(r) completed from the first close:
    X = G + (last close - first close) (1 - r^n) / (1 - r); long_<suffix> (step 12) and
    long_<suffix>_mad (step 14) for the long ones. -#}
{% macro metrics_partial_columns() -%}
    {%- set d = data_pipeline.double_literal -%}
    {%- set out = [] -%}
    {%- for w in data_pipeline.metrics_short_windows() -%}
        {%- set p = 'w' ~ w.suffix ~ '_' -%}
        {%- for column in ['bar_count', 'close_dev_sum', 'close_dev_sq_sum', 'close_min', 'close_max', 'volume_sum',
                           'close_volume_sum', 'first_close', 'typical_dev_sum', 'typical_dev_sq_sum', 'typical_min',
                           'typical_max', 'rsi_gain_sum', 'rsi_loss_sum', 'obv_flow_sum', 'adx_plus_move_sum',
                           'adx_minus_move_sum', 'trades_sum', 'trades_count'] -%}
            {%- do out.append('segments.' ~ p ~ column) -%}
        {%- endfor -%}
        {%- do out.append('segments.last_close as ' ~ p ~ 'last_close') -%}
        {%- do out.append('segments.last_typical as ' ~ p ~ 'last_typical') -%}
        {%- do out.append('coalesce(segments.' ~ p ~ 'atr_step_range_sum, 0) + segments.' ~ p ~ 'first_range as '
                          ~ p ~ 'atr_true_range_sum') -%}
        {%- do out.append('short_mad.' ~ p ~ 'cci_abs_dev_sum') -%}
        {%- for average in data_pipeline.metrics_averages() -%}
            {%- do out.append('segments.' ~ p ~ average ~ '_geo + (segments.last_close - segments.' ~ p
                ~ 'first_close) * (1 - power(' ~ d(w.r[average]) ~ ', segments.' ~ p ~ 'bar_count)) / '
                ~ d(1 - w.r[average]) ~ ' as ' ~ p ~ average ~ '_weighted') -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for w in data_pipeline.metrics_long_windows() -%}
        {%- set p = 'w' ~ w.suffix ~ '_' -%}
        {%- for column in ['bar_count', 'close_dev_sum', 'close_dev_sq_sum', 'close_min', 'close_max', 'volume_sum',
                           'close_volume_sum', 'first_close', 'last_close', 'typical_dev_sum', 'typical_dev_sq_sum',
                           'typical_min', 'typical_max', 'last_typical', 'rsi_gain_sum', 'rsi_loss_sum',
                           'atr_true_range_sum', 'obv_flow_sum', 'adx_plus_move_sum', 'adx_minus_move_sum',
                           'trades_sum', 'trades_count'] -%}
            {%- do out.append('long_' ~ w.suffix ~ '.' ~ column ~ ' as ' ~ p ~ column) -%}
        {%- endfor -%}
        {%- for average in data_pipeline.metrics_averages() -%}
            {%- do out.append('long_' ~ w.suffix ~ '.' ~ average ~ '_weighted as ' ~ p ~ average ~ '_weighted') -%}
        {%- endfor -%}
        {%- do out.append('long_' ~ w.suffix ~ '_mad.cci_abs_dev_sum as ' ~ p ~ 'cci_abs_dev_sum') -%}
    {%- endfor -%}
    {{ out | join(',\n        ') }}
{%- endmacro %}
