-- The three habitual cohorts, one row per member: the N symbols with the most top-loser
-- appearances (losers), the most top-gainer appearances (gainers), and the highest overlap
-- score (overlaps). Equal counts: the symbol whose first appearance came first (by window
-- size, then window start, then rank), as the original's Counter did. Equal scores: by symbol.
{%- set p = data_pipeline.leaderboard_params() %}

with

appearances as (

    select * from {{ ref('int_board_appearances_unpivoted') }}

),

windows as (

    select * from {{ ref('int_windows_ranked') }}

),

price_appearances as (

    select
        symbol,
        direction,
        window_hours,
        window_epoch,
        board_rank,
        row_number() over (
            partition by symbol, direction
            order by window_hours, window_epoch, board_rank
        ) as appearance_order
    from appearances
    where measure = 'price'

),

tallies as (

    select
        symbol,
        sum(case when direction = 'gain' then 1 else 0 end) as gain_count,
        sum(case when direction = 'loss' then 1 else 0 end) as loss_count
    from price_appearances
    group by symbol

),

-- each symbol's first gain and first loss appearance, which breaks ties in the counts
first_appearances as (

    select
        symbol,
        direction,
        window_hours,
        window_epoch,
        board_rank
    from price_appearances
    where appearance_order = 1

),

maxima as (

    select
        {{ cast_double('max(gain_count)') }} as max_gain_count,
        {{ cast_double('max(loss_count)') }} as max_loss_count
    from tallies

),

scored as (

    select
        tallies.symbol,
        tallies.gain_count,
        tallies.loss_count,
        least(
            case
                when maxima.max_gain_count > 0 then {{ cast_double('tallies.gain_count') }} / maxima.max_gain_count else
                    0
            end,
            case
                when maxima.max_loss_count > 0 then {{ cast_double('tallies.loss_count') }} / maxima.max_loss_count else
                    0
            end
        ) as overlap_score
    from tallies
    cross join maxima

),

-- gainers by their gain count, losers by their loss count; ties by the first appearance
direction_members as (

    select
        case when first_appearances.direction = 'gain' then 'gainers' else 'losers' end as cohort,
        first_appearances.symbol,
        row_number() over (
            partition by first_appearances.direction
            order by
                case
                    when first_appearances.direction = 'gain' then scored.gain_count else scored.loss_count
                end desc,
                first_appearances.window_hours asc,
                first_appearances.window_epoch asc,
                first_appearances.board_rank asc
        ) as cohort_rank
    from first_appearances
    inner join scored on first_appearances.symbol = scored.symbol
    where first_appearances.direction in ('gain', 'loss')

),

overlap_members as (

    select
        'overlaps' as cohort,
        symbol,
        row_number() over (order by overlap_score desc, symbol asc) as cohort_rank
    from scored

),

members as (

    select * from direction_members
    where cohort_rank <= {{ p.top_n }}
    union all
    select * from overlap_members
    where cohort_rank <= {{ p.top_n }}

),

latest_day_windows as (

    select
        symbol,
        price_change_pct,
        volume_change_pct,
        row_number() over (partition by symbol order by window_epoch desc) as recency
    from windows
    where window_hours = 24

),

final as (

    select
        {{ cast_string('members.cohort', 16) }} as cohort,
        members.symbol,
        {{ cast_bigint('members.cohort_rank') }} as cohort_rank,
        {{ cast_bigint('scored.gain_count') }} as gain_count,
        {{ cast_bigint('scored.loss_count') }} as loss_count,
        {{ cast_double('scored.overlap_score') }} as overlap_score,
        {{ cast_double('latest_day_windows.price_change_pct') }} as price_change_24h,
        {{ cast_double('latest_day_windows.volume_change_pct') }} as volume_change_24h
    from members
    inner join scored on members.symbol = scored.symbol
    left join latest_day_windows
        on
            members.symbol = latest_day_windows.symbol
            and latest_day_windows.recency = 1

)

select * from final
