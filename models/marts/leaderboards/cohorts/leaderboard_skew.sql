-- Where each cohort member's tallies deviate most from its cohort's centroid. The cuts are the
-- 95th, 75th and 50th percentiles of |deviation| over all members and buckets of the cohort
-- (linear interpolation between order statistics, exactly numpy's default percentile):
-- heavy >= p95 > moderate >= p75 > slight >= p50; smaller deviations get no row.

with

vectors as (

    select * from {{ ref('int_member_vectors_centered') }}

),

ordered as (

    select
        cohort,
        abs(deviation_pct) as magnitude,
        row_number() over (partition by cohort order by abs(deviation_pct)) - 1 as position,
        count(*) over (partition by cohort) as n_values
    from vectors

),

cohort_sizes as (

    select distinct
        cohort,
        n_values
    from ordered

),

quantiles as (

    select
        'heavy' as level,
        0.95 as q
    union all
    select
        'moderate' as level,
        0.75 as q
    union all
    select
        'slight' as level,
        0.5 as q

),

virtual_positions as (

    select
        cohort_sizes.cohort,
        quantiles.level,
        cohort_sizes.n_values,
        {{ cast_double('cohort_sizes.n_values - 1') }} * {{ cast_double('quantiles.q') }} as virtual_position
    from cohort_sizes
    cross join quantiles

),

neighbours as (

    select
        cohort,
        level,
        virtual_position,
        case when virtual_position >= n_values - 1 then n_values - 1 else floor(virtual_position) end as below,
        case when virtual_position >= n_values - 1 then n_values - 1 else floor(virtual_position) + 1 end as above
    from virtual_positions

),

cuts as (

    select
        neighbours.cohort,
        neighbours.level,
        case
            when neighbours.virtual_position - neighbours.below >= 0.5
                then
                    upper_value.magnitude
                    - (upper_value.magnitude - lower_value.magnitude)
                    * (1 - (neighbours.virtual_position - neighbours.below))
            else
                lower_value.magnitude
                + (upper_value.magnitude - lower_value.magnitude) * (neighbours.virtual_position - neighbours.below)
        end as cut
    from neighbours
    inner join ordered as lower_value
        on
            neighbours.cohort = lower_value.cohort
            and neighbours.below = lower_value.position
    inner join ordered as upper_value
        on
            neighbours.cohort = upper_value.cohort
            and neighbours.above = upper_value.position

),

cohort_cuts as (

    select
        cohort,
        max(case when level = 'heavy' then cut end) as heavy_cut,
        max(case when level = 'moderate' then cut end) as moderate_cut,
        max(case when level = 'slight' then cut end) as slight_cut
    from cuts
    group by cohort

),

-- |deviation| within 1e-9 (relative) of a cut counts as reaching it: deviations that are
-- mathematically equal (common: shares are ratios of small counts) must not be split by rounding
levelled as (

    select
        vectors.cohort,
        vectors.symbol,
        vectors.bucket,
        vectors.deviation_pct,
        case
            when abs(vectors.deviation_pct) >= cohort_cuts.heavy_cut * (1 - 1e-9) then 'heavy'
            when abs(vectors.deviation_pct) >= cohort_cuts.moderate_cut * (1 - 1e-9) then 'moderate'
            when abs(vectors.deviation_pct) >= cohort_cuts.slight_cut * (1 - 1e-9) then 'slight'
        end as level
    from vectors
    inner join cohort_cuts on vectors.cohort = cohort_cuts.cohort

),

final as (

    select
        {{ cast_string('cohort', 16) }} as cohort,
        symbol,
        {{ cast_string('bucket', 32) }} as bucket,
        {{ cast_string('level', 16) }} as level,
        {{ cast_double('deviation_pct') }} as deviation_pct
    from levelled
    where level is not null

)

select * from final
