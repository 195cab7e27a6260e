{#- Fails (one row: the counts and the share) when the quarantined bars are more than `max_share`
    of every bar the staging rules checked (quarantined plus sane). A few bad bars are a warning
    (no_quarantined_bars); a large share is a broken feed or ingest (a wrong year, a unit change)
    that would otherwise shrink every output quietly. -#}
{% test quarantined_share(model, sane, max_share) %}
    with

    counts as (
        select
            (select count(*) from {{ model }}) as quarantined_bars,
            (select count(*) from {{ sane }}) as sane_bars
    )

    select
        quarantined_bars,
        sane_bars,
        1.0 * quarantined_bars / (quarantined_bars + sane_bars) as quarantined_share
    from counts
    where quarantined_bars > {{ max_share }} * (quarantined_bars + sane_bars)
{% endtest %}
