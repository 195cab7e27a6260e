{#- indicators_<interval>'s pre-hook: the steps that compute every rewritten row, one line each,
    in order (docs/indicators.md, "How the models compute it"). Each step's SQL is one file under
    steps/, numbered in this order; the plumbing is indicators_plumbing.sql, which rows a run
    reads and rewrites indicators_plan.sql, the recursions indicators_recursions.sql. The model's
    own query (indicators_build.sql) joins the step tables. -#}
{% macro indicators_prepare(interval) -%}
    {%- if not execute or not data_pipeline.indicators_enabled(interval) -%}{{ return('') }}{%- endif -%}
    {%- set m = data_pipeline -%}
    {%- set full = not is_incremental() -%}
    {%- set rows = ['symbol_key', 'i'] -%}
    {%- do m.indicators_lock() -%}

    {%- do m.indicators_create('plan', m.indicators_step_plan(interval), ['symbol_key']) -%}
    {%- set counts = run_query('select count(*), count(state_at) from ' ~ m.indicators_stage('plan')).rows[0] -%}
    {{ log(this.identifier ~ ': ' ~ ('full build' if full else 'incremental run') ~ ', ' ~ counts[0] ~ ' symbols, '
           ~ counts[1] ~ ' continuing from their stored state', info=true) }}
    {%- set read_filter = m.indicators_rows_from('read_from', 'candle_rows', full) -%}
    {%- do m.indicators_create('inputs', m.indicators_step_inputs(interval, read_filter), rows) -%}
    {%- do m.indicators_create('first_seeds', m.indicators_step_first_seeds(), ['symbol_key']) -%}
    {%- do m.indicators_create('first_pass', m.indicators_step_first_pass(), rows) -%}
    {%- do m.indicators_create('first_ends', m.indicators_step_first_ends(), ['symbol_key', 'blk']) -%}
    {%- do m.indicators_create('first_values', m.indicators_step_first_values(), rows) -%}
    {%- do m.indicators_create('second_seeds', m.indicators_step_second_seeds(), ['symbol_key']) -%}
    {%- do m.indicators_create('second_pass', m.indicators_step_second_pass(), rows) -%}
    {%- do m.indicators_create('second_ends', m.indicators_step_second_ends(), ['symbol_key', 'blk']) -%}
    {%- do m.indicators_create('second_values', m.indicators_step_second_values(), rows) -%}
    {%- do m.indicators_create('candle_terms', m.indicators_step_candle_terms(), rows) -%}
    {%- do m.indicators_create('range_windows', m.indicators_step_range_windows(), rows) -%}
    {%- do m.indicators_create('typical_price_windows', m.indicators_step_typical_price_windows(), rows) -%}
    {%- do m.indicators_create('commodity_channel', m.indicators_step_commodity_channel(), rows) -%}
    {%- do m.indicators_create('money_flow_windows', m.indicators_step_money_flow_windows(), rows) -%}
    {{ return('') }}
{%- endmacro %}

{#- Whether indicators_<interval> is built (the var indicator_intervals lists it). An interval it
    does not list stays a model (the exposures name every indicator table) but is an empty view. -#}
{% macro indicators_enabled(interval) -%}
    {{ return(interval in data_pipeline.indicator_intervals()) }}
{%- endmacro %}

{% macro indicators_materialized(interval) -%}
    {{ return('incremental' if data_pipeline.indicators_enabled(interval) else 'view') }}
{%- endmacro %}
