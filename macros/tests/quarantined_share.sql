{#- Fails (one row: the counts and the share) when the bars with a quarantine reason are more
    than `max_share` of every bar checked. A few bad bars are a warning (no_quarantined_bars); a
    large share is a broken feed or ingest (a wrong year, a unit change) that would otherwise
    shrink every output quietly. `model` holds every checked bar, with its reason or NULL. -#}
{% test quarantined_share(model, max_share, reason_column='quarantine_reason') %}
    with

    counts as (
        select
            count({{ reason_column }}) as quarantined_bars,
            count(*) as checked_bars
        from {{ model }}
    )

    select
        quarantined_bars,
        checked_bars,
        1.0 * quarantined_bars / checked_bars as quarantined_share
    from counts
    where quarantined_bars > {{ max_share }} * checked_bars
{% endtest %}
