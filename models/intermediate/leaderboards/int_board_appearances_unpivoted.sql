-- One row per top-N appearance: a symbol on one of the four boards (price loss, price gain,
-- volume drop, volume spike) of one window. `bucket` is the tally name of the original
-- (price_6h_loss, vol_24h_spike, ...).

with

windows as (

    select * from {{ ref('int_windows_ranked') }}

),

{%- set boards = [
    ('price', 'loss', 'loss_rank'),
    ('price', 'gain', 'gain_rank'),
    ('vol', 'drop', 'volume_drop_rank'),
    ('vol', 'spike', 'volume_spike_rank'),
] %}

appearances as (

    {% for measure, direction, rank_column in boards -%}
        select
            symbol,
            window_hours,
            window_epoch,
            '{{ measure }}' as measure,
            '{{ direction }}' as direction,
            {{ rank_column }} as board_rank
        from windows
        where {{ rank_column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        symbol,
        {{ cast_bigint('window_hours') }} as window_hours,
        {{ cast_bigint('window_epoch') }} as window_epoch,
        {{ cast_string('measure', 8) }} as measure,
        {{ cast_string('direction', 8) }} as direction,
        {{ cast_string(dbt.concat(["measure", "'_'", cast_string('window_hours', 8), "'h_'", "direction"]), 32) }}
            as bucket,
        {{ cast_bigint('board_rank') }} as board_rank
    from appearances

)

select * from final
