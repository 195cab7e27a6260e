-- How often each symbol made each board: the original's per-bucket tallies
-- (bucket = price_{w}h_loss, price_{w}h_gain, vol_{w}h_drop or vol_{w}h_spike).

with

counts as (

    select * from {{ ref('int_board_appearances_counted') }}

),

final as (

    select
        symbol,
        bucket,
        appearances
    from counts

)

select * from final
