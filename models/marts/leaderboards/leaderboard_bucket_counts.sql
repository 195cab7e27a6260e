-- How often each symbol made each board: the original's per-bucket tallies
-- (bucket = price_{w}h_loss, price_{w}h_gain, vol_{w}h_drop or vol_{w}h_spike).
-- A view: the rows are int_board_appearances_counted's, so a table would only copy them on every run.
{{ config(materialized='view') }}

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
