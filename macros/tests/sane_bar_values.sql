{#- Fails for every bar that breaks a rule of bar_quarantine_reason (one scan, all rules),
    returning the bar's key and the reason. Meant for the raw source: the staging view already
    routes these rows to stg_ohlcvt_quarantine, so this is usually configured to warn. -#}
{% test sane_bar_values(model) %}
    with checked as (
        select
            symbol,
            timestamp,
            {{ data_pipeline.bar_quarantine_reason(trades=data_pipeline.ohlcvt_trades_column()) }} as reason
        from {{ model }}
    )

    select *
    from checked
    where reason is not null
{% endtest %}
