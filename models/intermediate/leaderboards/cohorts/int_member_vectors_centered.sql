-- Each cohort member's tally profile: for every bucket any member of its cohort has a tally for,
-- the member's share of its own appearances, the cohort's mean share (the centroid), and the
-- deviation from it in percent. Members without any tally are left out, as in the original.

with

members as (

    select * from {{ ref('int_cohort_members_ranked') }}

),

bucket_counts as (

    select * from {{ ref('int_board_appearances_counted') }}

),

member_counts as (

    select
        members.cohort,
        members.symbol,
        bucket_counts.bucket,
        bucket_counts.appearances
    from members
    inner join bucket_counts on members.symbol = bucket_counts.symbol

),

cohort_buckets as (

    select distinct
        cohort,
        bucket
    from member_counts

),

member_totals as (

    select
        cohort,
        symbol,
        sum(appearances) as total_appearances
    from member_counts
    group by cohort, symbol
    having sum(appearances) > 0

),

shares as (

    select
        member_totals.cohort,
        member_totals.symbol,
        cohort_buckets.bucket,
        coalesce(member_counts.appearances, 0) as appearances,
        {{ cast_double('coalesce(member_counts.appearances, 0)') }}
        / {{ cast_double('member_totals.total_appearances') }} as share
    from member_totals
    inner join cohort_buckets on member_totals.cohort = cohort_buckets.cohort
    left join member_counts
        on
            member_totals.cohort = member_counts.cohort
            and member_totals.symbol = member_counts.symbol
            and cohort_buckets.bucket = member_counts.bucket

),

-- the centroid as a window over the same rows (not a second pass over `shares`: MariaDB
-- 10.11 evaluated a CTE referenced twice inconsistently here, see docs/leaderboards.md)
with_centroids as (

    select
        cohort,
        symbol,
        bucket,
        appearances,
        share,
        avg(share) over (partition by cohort, bucket) as centroid
    from shares

),

final as (

    select
        cohort,
        symbol,
        bucket,
        {{ cast_bigint('appearances') }} as appearances,
        {{ cast_double('share') }} as share,
        {{ cast_double('centroid') }} as centroid,
        {{ cast_double(
            'case when centroid = 0 then 0
            else (share - centroid) / centroid * 100 end'
        ) }} as deviation_pct
    from with_centroids

)

select * from final
