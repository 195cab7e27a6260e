-- Each cohort member's distance from its cohort's centroid and its profile tags, in the spec's
-- order: Vol Mover (volume tallies > 1.5 x price tallies), Short-Term or Long-Term (tallies of
-- windows up to 24 h > 1.5 x those of longer windows, or the reverse), Balanced (distance below
-- the cohort's mean + population standard deviation of distances).

with

vectors as (

    select * from {{ ref('int_member_vectors_centered') }}

),

appearances as (

    select * from {{ ref('int_board_appearances_unpivoted') }}

),

bucket_kinds as (

    select distinct
        bucket,
        measure,
        window_hours
    from appearances

),

member_stats as (

    select
        vectors.cohort,
        vectors.symbol,
        sqrt(sum((vectors.share - vectors.centroid) * (vectors.share - vectors.centroid))) as centroid_distance,
        sum(case when bucket_kinds.measure = 'vol' then vectors.appearances else 0 end) as volume_tallies,
        sum(case when bucket_kinds.measure = 'price' then vectors.appearances else 0 end) as price_tallies,
        sum(case when bucket_kinds.window_hours <= 24 then vectors.appearances else 0 end) as short_tallies,
        sum(case when bucket_kinds.window_hours > 24 then vectors.appearances else 0 end) as long_tallies
    from vectors
    inner join bucket_kinds on vectors.bucket = bucket_kinds.bucket
    group by vectors.cohort, vectors.symbol

),

distance_means as (

    select
        cohort,
        avg(centroid_distance) as mean_distance
    from member_stats
    group by cohort

),

-- mean + population standard deviation, two-pass as numpy computes it
balance_thresholds as (

    select
        member_stats.cohort,
        distance_means.mean_distance
        + sqrt(avg(
            (member_stats.centroid_distance - distance_means.mean_distance)
            * (member_stats.centroid_distance - distance_means.mean_distance)
        )) as threshold
    from member_stats
    inner join distance_means on member_stats.cohort = distance_means.cohort
    group by member_stats.cohort, distance_means.mean_distance

),

tagged as (

    select
        member_stats.cohort,
        member_stats.symbol,
        member_stats.centroid_distance,
        concat_ws(
            ', ',
            case when 2 * member_stats.volume_tallies > 3 * member_stats.price_tallies then 'Vol Mover' end,
            case
                when 2 * member_stats.short_tallies > 3 * member_stats.long_tallies then 'Short-Term'
                when 2 * member_stats.long_tallies > 3 * member_stats.short_tallies then 'Long-Term'
            end,
            -- a distance within 1e-9 (relative) of the threshold counts as equal: mathematically
            -- equal distances (two members are always equidistant from their centroid) must not
            -- be split by rounding
            case
                when
                    member_stats.centroid_distance
                    < balance_thresholds.threshold - 1e-9 * abs(balance_thresholds.threshold)
                    then 'Balanced'
            end
        ) as profile_tags
    from member_stats
    inner join balance_thresholds on member_stats.cohort = balance_thresholds.cohort

),

final as (

    select
        {{ cast_string('cohort', 16) }} as cohort,
        symbol,
        {{ cast_double('centroid_distance') }} as centroid_distance,
        {{ cast_string("coalesce(profile_tags, '')", 64) }} as profile_tags
    from tagged

)

select * from final
