-- How often each symbol made each board: the original's per-bucket tallies
-- (bucket = price_{w}h_loss, price_{w}h_gain, vol_{w}h_drop or vol_{w}h_spike).

with

appearances as (

    select * from {{ ref('int_board_appearances_unpivoted') }}

),

final as (

    select
        symbol,
        bucket,
        {{ cast_bigint('count(*)') }} as appearances
    from appearances
    group by symbol, bucket

)

select * from final
