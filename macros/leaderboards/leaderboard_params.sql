{#- The parameters of one leaderboards run, resolved once at compile time so every model of the
    run agrees on them: as_of (var, default the run's start, UTC, to the second), the lookback
    and freshness bounds, the window sizes and the 6-hour base buckets they are made of.
    Times are naive UTC datetimes; epochs are integer seconds. -#}
{% macro leaderboard_params() -%}
    {%- set dt = modules.datetime -%}
    {%- set epoch0 = dt.datetime(1970, 1, 1) -%}
    {%- set base = 6 * 3600 -%}

    {%- set as_of = data_pipeline.checked_var('as_of') -%}
    {%- if as_of is none -%}{%- set as_of = run_started_at.replace(tzinfo=none, microsecond=0) -%}{%- endif -%}

    {#- ten years of minute bars is the most a lookback may cover; a cohort of at most 10,000 -#}
    {%- set lookback_days = data_pipeline.checked_var('lookback_days') -%}
    {%- set fresh_hours = data_pipeline.checked_var('fresh_within_hours') -%}
    {%- set top_n = data_pipeline.checked_var('top_n') -%}
    {%- if fresh_hours > lookback_days * 24 -%}
        {{ exceptions.raise_compiler_error("var fresh_within_hours (" ~ fresh_hours
            ~ ") must not exceed lookback_days * 24 (" ~ lookback_days * 24 ~ ")") }}
    {%- endif -%}

    {%- set windows = var('leaderboard_window_hours') -%}
    {%- if windows is string -%}{%- set windows = windows.split(',') -%}{%- endif -%}
    {%- if windows is number -%}{%- set windows = [windows] -%}{%- endif -%}
    {%- if windows is not iterable or windows is mapping or windows | length == 0 -%}
        {{ exceptions.raise_compiler_error("var leaderboard_window_hours: expected a list of hours like [6, 24], got "
            ~ tojson(windows | string)) }}
    {%- endif -%}
    {%- set window_hours = [] -%}
    {%- for w in windows -%}
        {%- set w_int = (w | string | trim | int(-1)) if modules.re.match('^[0-9]{1,6}$', w | string | trim) else -1 -%}
        {%- if w_int <= 0 or w_int % 6 != 0 or w_int in window_hours -%}
            {{ exceptions.raise_compiler_error("var leaderboard_window_hours: each window must be a distinct positive"
                ~ " multiple of 6 hours, got " ~ windows) }}
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
        'complete_windows_only': data_pipeline.checked_var('complete_windows_only'),
    }) }}
{%- endmacro %}

{#- A naive UTC datetime as a SQL timestamp literal (DATETIME on MySQL/MariaDB). -#}
{% macro timestamp_literal(value) -%}
    {{ data_pipeline.cast_timestamp("'" ~ value.strftime('%Y-%m-%d %H:%M:%S') ~ "'") }}
{%- endmacro %}

{#- A string as a SQL literal: quotes doubled; backslashes escaped on MySQL/MariaDB. -#}
{% macro string_literal(value) -%}
    {{ return(adapter.dispatch('string_literal', 'data_pipeline')(value | string)) }}
{%- endmacro %}
{% macro default__string_literal(text) -%}'{{ text | replace("'", "''") }}'{%- endmacro %}
{#- https://mariadb.com/kb/en/string-literals/ : a backslash escapes the next character. -#}
{% macro mysql__string_literal(text) -%}'{{ text | replace('\\', '\\\\') | replace("'", "''") }}'{%- endmacro %}
{% macro mariadb__string_literal(text) -%}{{ data_pipeline.mysql__string_literal(text) }}{%- endmacro %}
{#- https://spark.apache.org/docs/3.5.0/sql-ref-literals.html#string-literal : a backslash escapes,
    and two adjacent literals ('a''b') are concatenated, so a quote is escaped with a backslash too. -#}
{% macro spark__string_literal(text) -%}'{{ text | replace('\\', '\\\\') | replace("'", "\\'") }}'{%- endmacro %}
