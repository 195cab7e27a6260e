{#- TA-Lib's recursive indicators as first-order linear recursions y_t = r y_(t-1) + z_t from a seed
    row (docs/indicators.md, "Computing the recursions in SQL"). Unrolled, y is a weighted running
    sum; r^(-o) overflows a double after ~700 / |ln r| rows, so the weights restart at every block
    of indicators_block_size() rows, and a block carries in the previous blocks' ends. No
    recursive CTE: window sums, lag() and one equi-join, on every engine. -#}

{#- Rows in a block: within one, the weights reach at most 0.8^-2047 = e^457 (the MACD signal). -#}
{% macro indicators_block_size() -%}{{ return(2048) }}{%- endmacro %}

{#- Candles an incremental run reads before a symbol's first rewritten candle: the longest window
    (sma_200). The last of them holds the stored state, so it is row indicators_state_row(). -#}
{% macro indicators_history_candles() -%}{{ return(200) }}{%- endmacro %}
{% macro indicators_state_row() -%}{{ return(data_pipeline.indicators_history_candles() - 1) }}{%- endmacro %}

{#- A double as an approximate-number literal: a plain 0.2 is DECIMAL on MySQL/MariaDB. -#}
{% macro indicators_double(x) -%}{{ return('%.17e' | format(x)) }}{%- endmacro %}

{#- The term z of a recursion at row `source`.i: 0 before its seed row, the seed there, `term`
    after. The seed row is `lookback` (TA-Lib's), or the stored state's row where a symbol
    continues from its stored state (the plan's state_i). -#}
{% macro indicators_seeded_term(source, plan, lookback, seed, term) -%}
    {%- set start = 'coalesce(' ~ plan ~ '.state_i, ' ~ lookback ~ ')' -%}
    {{ return('case when ' ~ source ~ '.i < ' ~ start ~ ' then 0 when ' ~ source ~ '.i = ' ~ start ~ ' then '
              ~ seed ~ ' else ' ~ term ~ ' end') }}
{%- endmacro %}

{#- The recursions of pass `which`, 'first' or 'second' (below), with the CTE names of its rows, the plan and
    the seeds. -#}
{% macro indicators_recursions(which, source, plan, seeds) -%}
    {%- if which == 'first' -%}{{ return(data_pipeline.indicators_first_recursions(source, plan, seeds)) }}{%- endif -%}
    {{ return(data_pipeline.indicators_second_recursions(source, plan, seeds)) }}
{%- endmacro %}

{#- The recursions of the candles (first pass): name -> r, z. ema_n: k = 2/(n+1), seeded with the
    mean of the first n closes; macd_fast: MACD's fast EMA, seeded on the slow seed's candle (25)
    with the mean of closes 14..25; RSI's average gain and loss and ATR: Wilder averages seeded
    with the mean of candles 1..14; the DM and TR sums: Wilder sums seeded with the plain sum of
    candles 1..13; OBV: a running sum from the first candle's volume. `state` is the plan's
    state_<name> column: the stored value a continuing symbol starts from; `seeds` is the symbol's
    row of step first_seeds (indicators_first_seed_windows). -#}
{% macro indicators_first_recursions(source, plan, seeds) -%}
    {%- set d = data_pipeline.indicators_double -%}
    {%- set out = [] -%}
    {%- for n in [12, 26, 50, 200] -%}
        {%- set k = 2 / (n + 1) -%}
        {%- do out.append({'name': 'ema_' ~ n, 'r': 1 - k, 'z': data_pipeline.indicators_seeded_term(source, plan,
            n - 1, 'coalesce(' ~ plan ~ '.state_ema_' ~ n ~ ', ' ~ seeds ~ '.close_mean_' ~ n ~ ')',
            d(k) ~ ' * ' ~ source ~ '.close')}) -%}
    {%- endfor -%}
    {%- do out.append({'name': 'macd_fast', 'r': 1 - 2 / 13, 'z': data_pipeline.indicators_seeded_term(source, plan, 25,
        'coalesce(' ~ plan ~ '.state_macd_fast, ' ~ seeds ~ '.macd_fast_seed)', d(2 / 13) ~ ' * ' ~ source ~ '.close')
    }) -%}
    {%- for name, x in [('rsi_avg_gain_14', 'gain'), ('rsi_avg_loss_14', 'loss'), ('atr_14', 'true_range')] -%}
        {%- do out.append({'name': name, 'r': 13 / 14, 'z': data_pipeline.indicators_seeded_term(source, plan, 14,
            'coalesce(' ~ plan ~ '.state_' ~ name ~ ', ' ~ seeds ~ '.' ~ x ~ '_mean_14)',
            d(1 / 14) ~ ' * ' ~ source ~ '.' ~ x)}) -%}
    {%- endfor -%}
    {%- for name, x in [('plus_dm_sum_14', 'plus_dm'), ('minus_dm_sum_14', 'minus_dm'), ('tr_sum_14', 'true_range')]
        -%}
        {%- do out.append({'name': name, 'r': 13 / 14, 'z': data_pipeline.indicators_seeded_term(source, plan, 13,
            'coalesce(' ~ plan ~ '.state_' ~ name ~ ', ' ~ seeds ~ '.' ~ x ~ '_sum_13)', source ~ '.' ~ x)}) -%}
    {%- endfor -%}
    {%- set signed_volume = 'case when ' ~ source ~ '.close_change > 0 then ' ~ source ~ '.volume when '
        ~ source ~ '.close_change < 0 then -' ~ source ~ '.volume else 0 end' -%}
    {%- do out.append({'name': 'obv', 'r': 1.0, 'z': data_pipeline.indicators_seeded_term(source, plan, 0,
        'coalesce(' ~ plan ~ '.state_obv, ' ~ source ~ '.volume)', signed_volume)}) -%}
    {{ return(out) }}
{%- endmacro %}

{#- The recursions of the first pass's results (second pass): the MACD signal, an EMA(9) of the
    MACD line seeded with its first 9 values (candle 33); ADX, a Wilder average of DX seeded with
    the mean of DX over candles 14..27 (an undefined DX counts 0). TA-Lib leaves ADX unchanged
    where DX is undefined; this decays it, which is the same: DX is undefined only while the DM
    sums are still exactly 0, before any move, and ADX is 0 then (docs/indicators.md). `seeds` is
    the symbol's row of step second_seeds (indicators_second_seed_windows). -#}
{% macro indicators_second_recursions(source, plan, seeds) -%}
    {%- set d = data_pipeline.indicators_double -%}
    {{ return([
        {'name': 'macd_signal', 'r': 0.8, 'z': data_pipeline.indicators_seeded_term(source, plan, 33,
            'coalesce(' ~ plan ~ '.state_macd_signal, ' ~ seeds ~ '.macd_line_mean_9)',
            d(0.2) ~ ' * ' ~ source ~ '.macd_line')},
        {'name': 'adx_14', 'r': 13 / 14, 'z': data_pipeline.indicators_seeded_term(source, plan, 27,
            'coalesce(' ~ plan ~ '.state_adx_14, ' ~ seeds ~ '.dx_sum_14 / 14)',
            d(1 / 14) ~ ' * coalesce(' ~ source ~ '.dx, 0)')},
    ]) }}
{%- endmacro %}

{#- The windows the first pass's recursions are seeded with, each read at its seed row only (name, fn,
    the column, its first and last row): the means of the first n closes (the EMAs), the 12 closes ending
    on the slow seed's candle 25 (MACD's fast EMA), the means of candles 1..14 (RSI, ATR) and the sums of
    candles 1..13 (the DM and TR sums). One grouped aggregate over a symbol's first rows reads them, where
    a moving frame would cost a window aggregate at every candle for a value read once
    (docs/indicators.md, "Time"). A symbol continuing from its stored state never reads them. -#}
{% macro indicators_first_seed_windows() -%}
    {%- set out = [] -%}
    {%- for n in [12, 26, 50, 200] -%}
        {%- do out.append({'name': 'close_mean_' ~ n, 'fn': 'avg', 'x': 'close', 'first': 0, 'last': n - 1}) -%}
    {%- endfor -%}
    {%- do out.append({'name': 'macd_fast_seed', 'fn': 'avg', 'x': 'close', 'first': 14, 'last': 25}) -%}
    {%- for x in ['gain', 'loss', 'true_range'] -%}
        {%- do out.append({'name': x ~ '_mean_14', 'fn': 'avg', 'x': x, 'first': 1, 'last': 14}) -%}
    {%- endfor -%}
    {%- for x in ['plus_dm', 'minus_dm', 'true_range'] -%}
        {%- do out.append({'name': x ~ '_sum_13', 'fn': 'sum', 'x': x, 'first': 1, 'last': 13}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- The same for the second pass: the mean of the MACD line over candles 25..33 (the signal's seed at
    33) and the sum of DX over candles 14..27, an undefined one counting 0 (ADX's seed at 27). -#}
{% macro indicators_second_seed_windows() -%}
    {{ return([
        {'name': 'macd_line_mean_9', 'fn': 'avg', 'x': 'macd_line', 'first': 25, 'last': 33},
        {'name': 'dx_sum_14', 'fn': 'sum', 'x': 'dx', 'first': 14, 'last': 27},
    ]) }}
{%- endmacro %}

{#- A seeds CTE's query: one row per symbol of `source` (a step table's CTE), each window's aggregate
    over its rows. A sum skips an undefined value (DX), so it counts 0, as the seeds read them. -#}
{% macro indicators_seeds_query(windows, source) -%}
    {%- set items = [source ~ '.symbol_key'] -%}
    {%- for w in windows -%}
        {%- set value = w.fn ~ '(case when ' ~ source ~ '.i between ' ~ w.first ~ ' and ' ~ w.last ~ ' then '
            ~ source ~ '.' ~ w.x ~ ' end)' -%}
        {%- do items.append(('coalesce(' ~ value ~ ', 0)' if w.fn == 'sum' else value) ~ ' as ' ~ w.name) -%}
    {%- endfor -%}
    {{ return('select\n    ' ~ items | join(',\n    ') ~ '\nfrom ' ~ source ~ '\nwhere ' ~ source ~ '.i <= '
              ~ (windows | map(attribute='last') | max) ~ '\ngroup by ' ~ source ~ '.symbol_key') }}
{%- endmacro %}

{#- Select-list items: each recursion's running sum within its block, weighted relative to the
    block's start (o: the row's offset in its block; window `blocks`). -#}
{% macro indicators_block_sums(recursions, source) -%}
    {%- set items = [] -%}
    {%- for rec in recursions -%}
        {%- if rec.r == 1.0 -%}
            {%- do items.append('sum(' ~ rec.z ~ ') over blocks as ' ~ rec.name ~ '_local') -%}
        {%- else -%}
            {%- set r = data_pipeline.indicators_double(rec.r) -%}
            {%- do items.append('power(' ~ r ~ ', ' ~ source ~ '.o) * sum(power(' ~ r ~ ', -' ~ source ~ '.o) * ('
                ~ rec.z ~ ')) over blocks as ' ~ rec.name ~ '_local') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(items | join(',\n')) }}
{%- endmacro %}

{#- Select-list items over the block-end rows (window `block_order`): a block's end value Y_b =
    E_b + R E_(b-1) + R^2 E_(b-2) ..., R = r^B, cut where R^m falls below 1e-20; a plain running
    sum (r = 1) carries every earlier block in full. -#}
{% macro indicators_block_ends(recursions, source) -%}
    {%- set b = data_pipeline.indicators_block_size() -%}
    {%- set items = [] -%}
    {%- for rec in recursions -%}
        {%- set local = source ~ '.' ~ rec.name ~ '_local' -%}
        {%- if rec.r == 1.0 -%}
            {%- do items.append('sum(' ~ local ~ ') over block_order as ' ~ rec.name ~ '_end') -%}
        {%- else -%}
            {%- set terms = [local] -%}
            {%- for m in range(1, 20) -%}
                {%- if m == 1 or rec.r ** (b * m) >= 1e-20 -%}
                    {%- do terms.append('coalesce(' ~ data_pipeline.indicators_double(rec.r ** (b * m)) ~ ' * lag('
                        ~ local ~ ', ' ~ m ~ ') over block_order, 0)') -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do items.append(terms | join(' + ') ~ ' as ' ~ rec.name ~ '_end') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(items | join(',\n')) }}
{%- endmacro %}

{#- Select-list items: each recursion's value, its block's running sum plus the previous block's
    end carried in with weight r^(o+1). -#}
{% macro indicators_carried(recursions, local, ends) -%}
    {%- set items = [] -%}
    {%- for rec in recursions -%}
        {%- set weight = '' if rec.r == 1.0 else 'power(' ~ data_pipeline.indicators_double(rec.r) ~ ', ' ~ local
            ~ '.o + 1) * ' -%}
        {%- do items.append(local ~ '.' ~ rec.name ~ '_local + coalesce(' ~ weight ~ ends ~ '.' ~ rec.name
            ~ '_end, 0) as ' ~ rec.name) -%}
    {%- endfor -%}
    {{ return(items | join(',\n')) }}
{%- endmacro %}
