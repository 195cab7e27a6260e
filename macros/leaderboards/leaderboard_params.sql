{#- The parameters of one leaderboards run, resolved once at compile time so every model of the
    run agrees on them: as_of (var, default the run's start, UTC, to the second), the lookback
    and freshness bounds, the window sizes and the 6-hour base buckets they are made of.
    Times are naive UTC datetimes; epochs are integer seconds. -#}
{% macro leaderboard_params() -%}
    {%- set dt = modules.datetime -%}
    {%- set epoch0 = dt.datetime(1970, 1, 1) -%}
    {%- set base = 6 * 3600 -%}

    {%- set raw_as_of = var('as_of', none) -%}
    {%- if raw_as_of is none or raw_as_of | string | trim == '' -%}
        {%- set as_of = run_started_at.replace(tzinfo=none, microsecond=0) -%}
    {%- else -%}
        {%- set as_of = data_pipeline.parse_utc_datetime(raw_as_of, 'as_of') -%}
    {%- endif -%}

    {%- set lookback_days = data_pipeline._positive_int_var('lookback_days', 30) -%}
    {%- set fresh_hours = data_pipeline._positive_int_var('fresh_within_hours', 24) -%}
    {%- set top_n = data_pipeline._positive_int_var('top_n', 20) -%}
    {%- if fresh_hours > lookback_days * 24 -%}
        {{ exceptions.raise_compiler_error("var fresh_within_hours (" ~ fresh_hours ~ ") must not exceed lookback_days * 24 (" ~ lookback_days * 24 ~ ")") }}
    {%- endif -%}

    {%- set windows = var('leaderboard_window_hours', [6, 24, 72, 168]) -%}
    {%- if windows is string -%}{%- set windows = windows.split(',') -%}{%- endif -%}
    {%- set window_hours = [] -%}
    {%- for w in windows -%}
        {%- set w_int = w | string | trim | int(-1) -%}
        {%- if w_int <= 0 or w_int % 6 != 0 or w_int in window_hours -%}
            {{ exceptions.raise_compiler_error("var leaderboard_window_hours: each window must be a distinct positive multiple of 6 hours, got " ~ windows) }}
        {%- endif -%}
        {%- do window_hours.append(w_int) -%}
    {%- endfor -%}

    {%- set lookback_start = as_of - dt.timedelta(days=lookback_days) -%}
    {%- set fresh_since = as_of - dt.timedelta(hours=fresh_hours) -%}
    {%- set as_of_epoch = ((as_of - epoch0).total_seconds()) | int -%}
    {%- set lookback_epoch = ((lookback_start - epoch0).total_seconds()) | int -%}
    {#- Whole 6h buckets inside [lookback_start, as_of) come from int_bars_6h; the two edge
        ranges [lookback_start, interior_start) and [interior_end, as_of) from the bars. -#}
    {%- set interior_start = ((lookback_epoch + base - 1) // base) * base -%}
    {%- set interior_end = (as_of_epoch // base) * base -%}

    {{ return({
        'as_of': as_of,
        'lookback_start': lookback_start,
        'fresh_since': fresh_since,
        'as_of_epoch': as_of_epoch,
        'lookback_epoch': lookback_epoch,
        'lookback_days': lookback_days,
        'fresh_within_hours': fresh_hours,
        'top_n': top_n,
        'window_hours': window_hours | sort,
        'base_seconds': base,
        'interior_start': epoch0 + dt.timedelta(seconds=interior_start),
        'interior_start_epoch': interior_start,
        'interior_end': epoch0 + dt.timedelta(seconds=interior_end),
        'interior_end_epoch': interior_end,
        'complete_windows_only': var('complete_windows_only', false) | string | lower in ['true', '1', 'yes'],
    }) }}
{%- endmacro %}

{#- 'YYYY-MM-DD[ HH:MM[:SS]]' (or with a T, or a trailing Z) as a naive UTC datetime. -#}
{% macro parse_utc_datetime(text, var_name) -%}
    {%- set m = modules.re.match('^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?Z?$', text | string | trim) -%}
    {%- if m is none -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": expected a UTC time like '2026-11-01 12:00:00', got '" ~ text ~ "'") }}
    {%- endif -%}
    {%- set g = m.groups() -%}
    {{ return(modules.datetime.datetime(g[0] | int, g[1] | int, g[2] | int, (g[3] or 0) | int, (g[4] or 0) | int, (g[5] or 0) | int)) }}
{%- endmacro %}

{% macro _positive_int_var(name, default) -%}
    {%- set value = var(name, default) | string | trim | int(-1) -%}
    {%- if value <= 0 -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ ": expected a positive whole number, got '" ~ var(name, default) ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- A naive UTC datetime as a SQL timestamp literal (DATETIME on MySQL/MariaDB). -#}
{% macro timestamp_literal(value) -%}
    {{ data_pipeline.cast_timestamp("'" ~ value.strftime('%Y-%m-%d %H:%M:%S') ~ "'") }}
{%- endmacro %}

{#- A string as a SQL literal: quotes doubled, backslashes escaped on MySQL/MariaDB. -#}
{% macro string_literal(value) -%}
    {%- set text = value | string -%}
    {%- if target.type in ['mysql', 'mariadb'] -%}{%- set text = text | replace('\\', '\\\\') -%}{%- endif -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}
