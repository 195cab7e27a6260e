{#- indicators_<interval>'s pre-hook: the steps that compute every rewritten row, one line each,
    in order (docs/indicators.md, "How the models compute it"). Each step's SQL is one file under
    steps/, numbered in this order; the plumbing is indicators_plumbing.sql, which rows a run
    reads and rewrites indicators_plan.sql, the recursions indicators_recursions.sql. The model's
    own query (indicators_build.sql) joins the step tables. -#}
{% macro indicators_prepare(interval) -%}
    {%- if not execute or not data_pipeline.indicators_enabled(interval) -%}{{ return('') }}{%- endif -%}
    {%- set m = data_pipeline -%}
    {%- set full = not is_incremental() -%}
    {%- set rows, symbols, blocks = ['symbol_key', 'i'], ['symbol_key'], ['symbol_key', 'blk'] -%}
    {%- set temporary = m.indicators_temporary() -%}
    {%- set stage = m.indicators_stage_tables(temporary) -%}
    {%- do m.indicators_lock() -%}

    {%- do m.indicators_create(stage, temporary, 'plan', m.indicators_step_plan(interval), symbols) -%}
    {%- set counts = run_query('select count(*), count(state_at) from ' ~ stage['plan']).rows[0] -%}
    {{ log(this.identifier ~ ': ' ~ ('full build' if full else 'incremental run') ~ ', ' ~ counts[0] ~ ' symbols, '
           ~ counts[1] ~ ' continuing from their stored state', info=true) }}
    {%- set read_filter = m.indicators_rows_from('read_from', 'candle_rows', full) -%}
    {%- set steps = [
        ('inputs', m.indicators_step_inputs(stage, interval, read_filter), rows),
        ('first_seeds', m.indicators_step_first_seeds(stage), symbols),
        ('first_pass', m.indicators_step_first_pass(stage), rows),
        ('first_ends', m.indicators_step_first_ends(stage), blocks),
        ('first_values', m.indicators_step_first_values(stage), rows),
        ('second_seeds', m.indicators_step_second_seeds(stage), symbols),
        ('second_pass', m.indicators_step_second_pass(stage), rows),
        ('second_ends', m.indicators_step_second_ends(stage), blocks),
        ('second_values', m.indicators_step_second_values(stage), rows),
        ('candle_terms', m.indicators_step_candle_terms(stage), rows),
        ('range_windows', m.indicators_step_range_windows(stage), rows),
        ('typical_price_windows', m.indicators_step_typical_price_windows(stage), rows),
        ('commodity_channel', m.indicators_step_commodity_channel(stage), rows),
        ('money_flow_windows', m.indicators_step_money_flow_windows(stage), rows)
    ] -%}
    {%- for name, sql, primary_key in steps -%}
        {%- do m.indicators_create(stage, temporary, name, sql, primary_key) -%}
    {%- endfor -%}
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
