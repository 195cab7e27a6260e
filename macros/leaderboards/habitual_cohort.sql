{#- The body of habitual_gainers / habitual_losers / habitual_overlaps: one cohort's members with
    their counts, latest 24h figures, centroid distance and profile tags. -#}
{% macro habitual_cohort(cohort) -%}
{%- set p = data_pipeline.leaderboard_params() %}
with

members as (

    select * from {{ ref('int_cohort_members_ranked') }}

),

profiles as (

    select * from {{ ref('int_member_profiles_tagged') }}

),

final as (

    select
        members.symbol,
        members.cohort_rank as {{ adapter.quote('rank') }},
        members.gain_count,
        members.loss_count,
        members.overlap_score,
        members.price_change_24h,
        members.volume_change_24h,
        profiles.centroid_distance,
        {{ cast_string("coalesce(profiles.profile_tags, '')", 64) }} as profile_tags,
        {{ data_pipeline.timestamp_literal(p.as_of) }} as as_of
    from members
    left join profiles
        on
            members.cohort = profiles.cohort
            and members.symbol = profiles.symbol
    where members.cohort = '{{ cohort }}'

)

select * from final
{%- endmacro %}
