{#- What cohort_profiles reads for one interval, one row per member with such a candle
    (../shared/spec/cohort-profiles.md, section 2): `profile_at`, the member's last complete candle whose end
    (candle_at + `seconds`) is at or before the leaderboards' as_of; `baseline_from`, `baseline_days` days
    before it; `read_from_at`, the 20th complete candle before baseline_from (volume_ratio_20 of the first
    baseline candle needs the 20 before it), or the member's first candle when it has fewer. Reads the CTEs
    member_symbols (symbol, symbol_key) and leaderboard_run (as_of) of the model. -#}
{% macro profile_plan(candles, seconds, baseline_days) -%}
    {{ return(adapter.dispatch('profile_plan', 'data_pipeline')(candles, seconds, baseline_days)) }}
{%- endmacro %}

{#- ANSI: one window pass over the members' candles before as_of, ranked from the newest: the profile candle
    is rank 1, and the 20th candle before the baseline is rank (baseline candles + 20). -#}
{% macro default__profile_plan(candles, seconds, baseline_days) -%}
    {%- set newest = 'max(candles.candle_at) over (partition by candles.symbol)' -%}
    select
        ranked.symbol,
        max(ranked.symbol_key) as symbol_key,
        max(ranked.profile_at) as profile_at,
        max(ranked.baseline_from) as baseline_from,
        min(ranked.candle_at) as read_from_at
    from (
        select
            eligible.symbol,
            eligible.symbol_key,
            eligible.candle_at,
            eligible.profile_at,
            eligible.baseline_from,
            row_number() over (partition by eligible.symbol order by eligible.candle_at desc) as rows_back,
            sum(case when eligible.candle_at >= eligible.baseline_from then 1 else 0 end)
                over (partition by eligible.symbol) as window_rows
        from (
            select
                candles.symbol,
                member_symbols.symbol_key,
                candles.candle_at,
                {{ newest }} as profile_at,
                {{ timestamp_add('day', '-' ~ baseline_days, newest) }} as baseline_from
            from {{ candles }} as candles
            inner join member_symbols on candles.symbol = member_symbols.symbol
            cross join leaderboard_run
            where
                candles.is_complete
                and candles.candle_at <= {{ timestamp_add('second', '-' ~ seconds, 'leaderboard_run.as_of') }}
        ) as eligible
    ) as ranked
    where ranked.rows_back <= ranked.window_rows + 20
    group by ranked.symbol
{%- endmacro %}

{#- MySQL/MariaDB: index dives on the candles' primary key (symbol, candle_at) per member, newest first
    (https://mariadb.com/kb/en/limit/), instead of ranking each member's whole history. -#}
{% macro mysql__profile_plan(candles, seconds, baseline_days) -%}
    select
        profile_candles.symbol,
        profile_candles.symbol_key,
        profile_candles.profile_at,
        profile_candles.baseline_from,
        coalesce(
            (
                select earlier.candle_at
                from {{ candles }} as earlier
                where
                    earlier.symbol = profile_candles.symbol
                    and earlier.is_complete
                    and earlier.candle_at < profile_candles.baseline_from
                order by earlier.candle_at desc
                limit 1 offset 19
            ),
            {{ cast_timestamp("'1970-01-01 00:00:00'") }}
        ) as read_from_at
    from (
        select
            newest.symbol,
            newest.symbol_key,
            newest.profile_at,
            {{ timestamp_add('day', '-' ~ baseline_days, 'newest.profile_at') }} as baseline_from
        from (
            select
                member_symbols.symbol,
                member_symbols.symbol_key,
                (
                    select candles.candle_at
                    from {{ candles }} as candles
                    where
                        candles.symbol = member_symbols.symbol
                        and candles.is_complete
                        and candles.candle_at <= {{ timestamp_add('second', '-' ~ seconds, 'leaderboard_run.as_of') }}
                    order by candles.candle_at desc
                    limit 1
                ) as profile_at
            from member_symbols
            cross join leaderboard_run
        ) as newest
        where newest.profile_at is not null
    ) as profile_candles
{%- endmacro %}
{% macro mariadb__profile_plan(candles, seconds, baseline_days) -%}
    {{ data_pipeline.mysql__profile_plan(candles, seconds, baseline_days) }}
{%- endmacro %}
