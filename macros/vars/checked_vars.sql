{#- Every var a user can set, checked before anything runs (the project's on-run-start hook), so
    that a bad value stops the command with one line naming the var instead of a Jinja traceback
    deep inside a model, or SQL built from it. Models read the vars through checked_var, so a
    var's rule is written once, here, and its default once, in dbt_project.yml. -#}

{#- The rule of every var (leaderboard_window_hours and bar_value_limits are checked by
    leaderboard_params and bar_value_limits, which read them). -#}
{% macro var_rules() -%}
    {{ return({
        'ohlcvt_table': {'kind': 'identifier', 'required': true},
        'ohlcvt_schema': {'kind': 'identifier'},
        'ohlcvt_has_trades': {'kind': 'boolean'},
        'quarantine_error_share': {'kind': 'share'},
        'as_of': {'kind': 'utc_datetime'},
        'recompute_from': {'kind': 'utc_datetime'},
        'top_n': {'kind': 'whole_number', 'low': 1, 'high': 10000},
        'lookback_days': {'kind': 'whole_number', 'low': 1, 'high': 3650},
        'fresh_within_hours': {'kind': 'whole_number', 'low': 1},
        'complete_windows_only': {'kind': 'boolean'},
        'keep_scratch': {'kind': 'boolean'},
        'session_memory_mb': {'kind': 'whole_number', 'low': 16, 'high': 1048576},
        'candle_intervals': {'kind': 'intervals'},
        'indicator_intervals': {'kind': 'intervals'},
        'profile_intervals': {'kind': 'intervals'},
        'baseline_days': {'kind': 'whole_number', 'low': 1, 'high': 3650},
    }) }}
{%- endmacro %}

{#- The var `name`, checked by its rule and converted (none when unset, for the optional kinds). -#}
{% macro checked_var(name) -%}
    {%- set rule = data_pipeline.var_rules()[name] -%}
    {%- if rule.kind == 'identifier' -%}
        {{ return(data_pipeline.identifier_var(name, rule.get('required', false))) }}
    {%- endif -%}
    {%- if rule.kind == 'boolean' -%}{{ return(data_pipeline.boolean_var(name)) }}{%- endif -%}
    {%- if rule.kind == 'share' -%}{{ return(data_pipeline.share_var(name)) }}{%- endif -%}
    {%- if rule.kind == 'utc_datetime' -%}{{ return(data_pipeline.utc_datetime_var(name)) }}{%- endif -%}
    {%- if rule.kind == 'intervals' -%}
        {%- set intervals = {'candle_intervals': data_pipeline.candle_intervals,
            'indicator_intervals': data_pipeline.indicator_intervals,
            'profile_intervals': data_pipeline.profile_intervals}[name] -%}
        {{ return(intervals()) }}
    {%- endif -%}
    {{ return(data_pipeline.whole_number_var(name, rule.low, rule.get('high'))) }}
{%- endmacro %}

{#- A name that goes into SQL as an identifier: letters, digits and underscores, not starting
    with a digit, at most 64 characters (MySQL's limit). Quoting alone is not enough: dbt quotes
    without escaping, so a quote inside the name would end the identifier. The sources YAML cannot
    call macros, so models/staging/market/_market__sources.yml applies the same rule with its own
    regex (keep the two in step). -#}
{% macro identifier_var(name, required=false) -%}
    {%- set value = var(name) -%}
    {%- if value is none or value | string | trim == '' -%}
        {%- if required -%}
            {{ exceptions.raise_compiler_error("var " ~ name ~ ": must be set to a table name") }}
        {%- endif -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]{0,63}', value | string) -%}
        {{ exceptions.raise_compiler_error("var " ~ name
            ~ ": expected a plain table or schema name (letters, digits and _,"
            ~ " not starting with a digit, at most 64 characters), got " ~ tojson(value | string)) }}
    {%- endif -%}
    {{ return(value | string) }}
{%- endmacro %}

{#- A whole number var within [low, high]; a fraction ('2.7'), a word or a number out of range is
    an error (Jinja's int filter would turn '2.7' into 2). -#}
{% macro whole_number_var(name, low=1, high=none) -%}
    {%- set raw = var(name) -%}
    {%- set text = raw | string | trim -%}
    {%- set limits = 'at least ' ~ low ~ ('' if high is none else ' and at most ' ~ high) -%}
    {%- if raw is boolean or not modules.re.fullmatch('[+-]?[0-9]{1,18}', text) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ ": expected a whole number " ~ limits
            ~ ", got " ~ tojson(raw | string)) }}
    {%- endif -%}
    {%- set value = text | int -%}
    {%- if value < low or (high is not none and value > high) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ ": expected a whole number " ~ limits ~ ", got " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- A fraction var within [0, 1]. -#}
{% macro share_var(name) -%}
    {%- set raw = var(name) -%}
    {%- set text = raw | string | trim -%}
    {%- if raw is boolean or not modules.re.fullmatch('[0-9]*[.]?[0-9]+(e-?[0-9]+)?', text) or (text | float) > 1 -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ ": expected a share between 0 and 1 (0.01 is 1%), got "
            ~ tojson(raw | string)) }}
    {%- endif -%}
    {{ return(text | float) }}
{%- endmacro %}

{#- A true/false var: true, false, 1, 0, yes, no (any case). -#}
{% macro boolean_var(name) -%}
    {%- set raw = var(name) -%}
    {%- set text = raw | string | trim | lower -%}
    {%- if text in ['true', '1', 'yes'] -%}{{ return(true) }}{%- endif -%}
    {%- if text in ['false', '0', 'no'] -%}{{ return(false) }}{%- endif -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ ": expected true or false, got " ~ tojson(raw | string)) }}
{%- endmacro %}

{#- 'YYYY-MM-DD[ HH:MM[:SS]]' (or with a T, or a trailing Z) as a naive UTC datetime between
    1970 and 9999; a date that does not exist (2026-13-45, 2026-02-30) is an error. -#}
{% macro parse_utc_datetime(text, var_name) -%}
    {%- set pattern = '([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?Z?' -%}
    {%- set m = modules.re.fullmatch(pattern, text | string | trim) -%}
    {%- set problem = "var " ~ var_name ~ ": expected a UTC time like '2026-11-01 12:00:00', got "
        ~ tojson(text | string) -%}
    {%- if m is none -%}{{ exceptions.raise_compiler_error(problem) }}{%- endif -%}
    {%- set g = m.groups() -%}
    {%- set year, month, day = g[0] | int, g[1] | int, g[2] | int -%}
    {%- set hour, minute, second = (g[3] or 0) | int, (g[4] or 0) | int, (g[5] or 0) | int -%}
    {%- if year < 1970 or month < 1 or month > 12 or day < 1 or hour > 23 or minute > 59 or second > 59 -%}
        {{ exceptions.raise_compiler_error(problem ~ ' (no such time)') }}
    {%- endif -%}
    {%- set dt = modules.datetime -%}
    {%- set next_month = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1) -%}
    {%- if day > (next_month - dt.timedelta(days=1)).day -%}
        {{ exceptions.raise_compiler_error(problem ~ ' (no such date)') }}
    {%- endif -%}
    {{ return(dt.datetime(year, month, day, hour, minute, second)) }}
{%- endmacro %}

{#- A UTC time var, or none when unset or empty. -#}
{% macro utc_datetime_var(name) -%}
    {%- set raw = var(name) -%}
    {%- if raw is none or raw | string | trim == '' -%}{{ return(none) }}{%- endif -%}
    {{ return(data_pipeline.parse_utc_datetime(raw, name)) }}
{%- endmacro %}

{#- The on-run-start hook: every var checked at once (the leaderboards' own rules, which need the
    vars together, are in leaderboard_params). Returns no SQL. -#}
{% macro check_vars() -%}
    {%- for name in data_pipeline.var_rules() -%}{%- do data_pipeline.checked_var(name) -%}{%- endfor -%}
    {%- do data_pipeline.bar_value_limits() -%}
    {%- if execute -%}{%- do data_pipeline.leaderboard_params() -%}{%- endif -%}
    {{ return('') }}
{%- endmacro %}
