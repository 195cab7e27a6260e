{#- var profile_intervals (../shared/spec/cohort-profiles.md, section 2): the intervals cohort_profiles profiles
    each member at, one or more of the indicator intervals, each of which var indicator_intervals must list
    (the profile reads indicators_<interval>). A bad list is a compile error naming the var. -#}
{% macro profile_intervals() -%}
    {%- set allowed = data_pipeline.indicator_interval_names() -%}
    {%- set names = data_pipeline.interval_list_var('profile_intervals', allowed) -%}
    {%- if not names -%}
        {{ exceptions.raise_compiler_error("var profile_intervals: expected one or more of " ~ allowed | join(', ')
            ~ ", got none") }}
    {%- endif -%}
    {%- set built = data_pipeline.indicator_intervals() -%}
    {%- for interval in names if interval not in built -%}
        {{ exceptions.raise_compiler_error("var profile_intervals: " ~ interval ~ " needs its indicators, but var "
            ~ "indicator_intervals (" ~ built | join(', ') ~ ") does not list it") }}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- The intervals of var profile_intervals with their seconds: [(interval, seconds)]. -#}
{% macro profile_interval_seconds() -%}
    {%- set seconds = data_pipeline.candle_interval_seconds() -%}
    {%- set pairs = [] -%}
    {%- for interval in data_pipeline.checked_var('profile_intervals') -%}
        {%- do pairs.append((interval, seconds[interval])) -%}
    {%- endfor -%}
    {{ return(pairs) }}
{%- endmacro %}

{#- var baseline_days, checked: a whole number of days, 1..3650. -#}
{% macro profile_baseline_days() -%}
    {{ return(data_pipeline.checked_var('baseline_days')) }}
{%- endmacro %}

{#- var recompute_from as a timestamp literal (symbol_regime_daily rewrites every day from it), or none. -#}
{% macro profile_recompute_since() -%}
    {%- set since = data_pipeline.checked_var('recompute_from') -%}
    {{ return(none if since is none else data_pipeline.timestamp_literal(since)) }}
{%- endmacro %}
