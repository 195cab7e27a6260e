-- One row per member of habitual_gainers, habitual_losers and habitual_overlaps and interval of var
-- profile_intervals, at the leaderboards' as_of: twelve features of the member's last complete candle that ended at
-- or before as_of, each with its mid-rank percentile and robust z-score against the member's own candles of the
-- var baseline_days days before it, and the member's regime (../shared/spec/cohort-profiles.md, section 2;
-- docs/profiles.md). Every candle read starts before as_of, so nothing comes from later bars.
{%- set catalog = profile_catalog() %}
{%- set baseline_days = profile_baseline_days() %}
{%- set intervals = profile_interval_seconds() %}
{#- each interval is a number in the steps (its place in the var), named again in the final step -#}
{%- set interval_names -%}
    case profiles.interval_key
    {%- for interval, seconds in intervals %} when {{ loop.index }} then '{{ interval }}'{% endfor %} end
{%- endset %}

with

leaderboard_run as (

    select as_of from {{ ref('leaderboard_run') }}

),

members as (

    select
        'gainers' as cohort,
        symbol
    from {{ ref('habitual_gainers') }}
    union all
    select
        'losers' as cohort,
        symbol
    from {{ ref('habitual_losers') }}
    union all
    select
        'overlaps' as cohort,
        symbol
    from {{ ref('habitual_overlaps') }}

),

member_symbols as (

    -- a number per member symbol: the steps below sort and group by it (cheaper than a 64-character string)
    select
        distinct_members.symbol,
        row_number() over (order by distinct_members.symbol) as symbol_key
    from (select distinct symbol from members) as distinct_members

),

candle_rows as (

    -- per interval and member: the complete candles from the 20th before the baseline to the profile candle, with
    -- the indicator columns the features come from (each interval's plan is read once: MariaDB derives a CTE
    -- again for every reference to it)
    {% for interval, seconds in intervals -%}
        select
            {{ loop.index }} as interval_key,
            plans.symbol,
            plans.symbol_key,
            plans.profile_at,
            plans.baseline_from,
            candles.candle_at,
            candles.close,
            candles.volume,
            {%- for feature in catalog.copied_features %}
                indicators.{{ feature }},
            {%- endfor %}
            indicators.bb_upper_20,
            indicators.bb_lower_20,
            indicators.macd_hist
        from ({{ profile_plan(ref('candles_' ~ interval), seconds, baseline_days) }}) as plans
        inner join {{ ref('candles_' ~ interval) }} as candles
            on
                plans.symbol = candles.symbol
                and plans.read_from_at <= candles.candle_at
                and plans.profile_at >= candles.candle_at
        inner join {{ ref('indicators_' ~ interval) }} as indicators
            on
                candles.symbol = indicators.symbol
                and candles.candle_at = indicators.candle_at
        where candles.is_complete
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

feature_rows as (

    -- the three features computed from the candle's columns; volume_ratio_20 reads the 20 candles before
    select
        candle_rows.*,
        case
            when not {{ profiles_equal('candle_rows.bb_upper_20', 'candle_rows.bb_lower_20') }}
                then
                    (candle_rows.close - candle_rows.bb_lower_20)
                    / nullif(candle_rows.bb_upper_20 - candle_rows.bb_lower_20, 0)
        end as bb_position,
        100 * candle_rows.macd_hist / nullif(candle_rows.close, 0) as macd_hist_pct,
        -- volumes are never negative: a zero maximum is a zero mean (a moving mean can keep a residue)
        case
            when count(candle_rows.volume) over previous_20 = 20 and max(candle_rows.volume) over previous_20 > 0
                then candle_rows.volume / avg(candle_rows.volume) over previous_20
        end as volume_ratio_20
    from candle_rows
    window previous_20 as (
        partition by candle_rows.interval_key, candle_rows.symbol_key
        order by candle_rows.candle_at
        rows between 20 preceding and 1 preceding
    )

),

feature_names as (

    {% for feature, scale in catalog.features -%}
        select
            {{ loop.index }} as feature_key,
            {{ scale }} as feature_scale
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

feature_values as (

    -- one row per baseline candle (and the profile candle) and feature, with numbers for keys: the window sorts
    -- below move whole rows on MariaDB
    select
        feature_rows.interval_key,
        feature_rows.symbol_key,
        feature_names.feature_key,
        feature_names.feature_scale,
        feature_rows.candle_at,
        feature_rows.profile_at,
        case feature_names.feature_key
            {%- for feature, scale in catalog.features %}
                when {{ loop.index }} then feature_rows.{{ feature }}
            {%- endfor %}
        end as feature_value
    from feature_rows
    cross join feature_names
    where feature_rows.candle_at >= feature_rows.baseline_from

),

flagged_values as (

    select
        feature_values.interval_key,
        feature_values.symbol_key,
        feature_values.feature_key,
        feature_values.feature_scale,
        feature_values.candle_at,
        feature_values.feature_value,
        case
            when feature_values.candle_at < feature_values.profile_at and feature_values.feature_value is not null
                then 1
            else 0
        end as is_baseline_value,
        case when feature_values.candle_at = feature_values.profile_at then 1 else 0 end as is_profile
    from feature_values

),

ranked_values as (

    -- per member, interval and feature: the baseline's non-NULL values ranked 1..values_n from both ends
    -- (values_n = the two ranks - 1), and the profile candle's value on every row; running windows only, as
    -- MariaDB re-reads a whole partition for each row of a partition-wide one (15 s instead of 0.5 here)
    select
        flagged_values.*,
        row_number() over (
            partition by flagged_values.interval_key, flagged_values.symbol_key, flagged_values.feature_key
            order by
                flagged_values.is_baseline_value desc, flagged_values.feature_value asc, flagged_values.candle_at asc
        ) as value_rank,
        row_number() over (
            partition by flagged_values.interval_key, flagged_values.symbol_key, flagged_values.feature_key
            order by
                flagged_values.is_baseline_value desc,
                flagged_values.feature_value desc,
                flagged_values.candle_at desc
        ) as value_rank_desc,
        first_value(flagged_values.feature_value) over (
            partition by flagged_values.interval_key, flagged_values.symbol_key, flagged_values.feature_key
            order by flagged_values.is_profile desc
            rows between unbounded preceding and current row
        ) as profile_value
    from flagged_values

),

feature_counts as (

    -- the mid-rank counts, and the order statistics around the quartiles (linear interpolation between the
    -- values at ranks floor(h) + 1 and floor(h) + 2, h = (values_n - 1) * p)
    select
        interval_key,
        symbol_key,
        feature_key,
        max(feature_scale) as feature_scale,
        max(case when is_profile = 1 then candle_at end) as profile_at,
        max(profile_value) as profile_value,
        sum(is_baseline_value) as values_n,
        count(*) - 1 as baseline_n,
        sum(
            case
                when
                    is_baseline_value = 1 and feature_value < profile_value
                    and not {{ profiles_equal('feature_value', 'profile_value', 'feature_scale') }}
                    then 1
                else 0
            end
        ) as below_n,
        sum(
            case
                when is_baseline_value = 1 and {{ profiles_equal('feature_value', 'profile_value', 'feature_scale') }}
                    then 1
                else 0
            end
        ) as equal_n,
    {%- for name, p in [('q25', 0.25), ('q50', 0.5), ('q75', 0.75)] %}
        max(
            case
                when is_baseline_value = 1 and value_rank = floor((value_rank + value_rank_desc - 2) * {{ p }}) + 1
                    then feature_value
            end
        ) as {{ name }}_low,
        max(
            case
                when is_baseline_value = 1 and value_rank = floor((value_rank + value_rank_desc - 2) * {{ p }}) + 2
                    then feature_value
            end
        ) as {{ name }}_high{{ ',' if not loop.last }}
    {%- endfor %}
    from ranked_values
    group by interval_key, symbol_key, feature_key

),

feature_quantiles as (

    select
        feature_counts.*,
    {%- for name, p in [('q25', 0.25), ('q50', 0.5), ('q75', 0.75)] %}
        {{ name }}_low + ((feature_counts.values_n - 1) * {{ p }} - floor((feature_counts.values_n - 1) * {{ p }}))
        * (coalesce({{ name }}_high, {{ name }}_low) - {{ name }}_low) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
    from feature_counts

),

feature_scores as (

    select
        interval_key,
        symbol_key,
        feature_key,
        profile_at,
        profile_value,
        baseline_n,
        case
            when profile_value is not null and values_n >= {{ catalog.min_baseline_values }}
                then 100 * {{ cast_double('below_n + 0.5 * equal_n') }} / values_n
        end as pctile,
        case
            when
                profile_value is not null and values_n >= {{ catalog.min_baseline_values }}
                and not {{ profiles_equal('q75', 'q25', 'feature_scale') }}
                then (profile_value - q50) / ((q75 - q25) / 1.349e0)
        end as z
    from feature_quantiles

),

profiles as (

    -- back to one row per member and interval
    select
        interval_key,
        symbol_key,
        max(profile_at) as profile_at,
        max(baseline_n) as baseline_n,
        {%- for feature, scale in catalog.features %}
            max(case when feature_key = {{ loop.index }} then profile_value end) as {{ feature }},
        {%- endfor %}
        {%- for feature, scale in catalog.features %}
            max(case when feature_key = {{ loop.index }} then pctile end) as {{ feature }}_pctile,
        {%- endfor %}
    {%- for feature, scale in catalog.features %}
        max(case when feature_key = {{ loop.index }} then z end) as {{ feature }}_z{{ ',' if not loop.last }}
    {%- endfor %}
    from feature_scores
    group by interval_key, symbol_key

),

regime_days as (

    -- each member's last day that ended at or before as_of
    select
        regimes.symbol,
        max(regimes.regime_date) as regime_date
    from {{ ref('symbol_regime_daily') }} as regimes
    inner join member_symbols on regimes.symbol = member_symbols.symbol
    cross join leaderboard_run
    where {{ cast_timestamp('regimes.regime_date') }} <= {{ timestamp_add('day', -1, 'leaderboard_run.as_of') }}
    group by regimes.symbol

),

final as (

    select
        {{ cast_string('members.cohort', 16) }} as cohort,
        {{ cast_string('members.symbol') }} as symbol,
        {{ cast_string(interval_names, 8) }} as {{ adapter.quote('interval') }},
        {{ cast_timestamp('leaderboard_run.as_of') }} as as_of,
        {{ cast_timestamp('profiles.profile_at') }} as candle_at,
        {%- for feature, scale in catalog.features %}
            {{ cast_double('profiles.' ~ feature) }} as {{ feature }},
        {%- endfor %}
        {%- for feature, scale in catalog.features %}
            {{ cast_double('profiles.' ~ feature ~ '_pctile') }} as {{ feature }}_pctile,
        {%- endfor %}
        {%- for feature, scale in catalog.features %}
            {{ cast_double('profiles.' ~ feature ~ '_z') }} as {{ feature }}_z,
        {%- endfor %}
        {{ cast_bigint('profiles.baseline_n') }} as baseline_n,
        {{ cast_string('regimes.regime', 16) }} as regime,
        {{ cast_double('regimes.rv_30d') }} as rv_30d,
        {{ cast_double('regimes.drawdown_90d') }} as drawdown_90d,
        {{ cast_bigint('regimes.ma_trend') }} as ma_trend
    from members
    inner join member_symbols on members.symbol = member_symbols.symbol
    inner join profiles on member_symbols.symbol_key = profiles.symbol_key
    cross join leaderboard_run
    left join regime_days on members.symbol = regime_days.symbol
    left join {{ ref('symbol_regime_daily') }} as regimes
        on
            regime_days.symbol = regimes.symbol
            and regime_days.regime_date = regimes.regime_date

)

select * from final
