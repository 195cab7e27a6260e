{#- Step 4: the current date (the newest day's) and, per symbol with a bar on it that is not the
    day's last minute, its snapshot end. A symbol whose current date is complete (a bar at 23:59)
    is snapshotted at midnight like any other date, and needs no segments of its own: the 24 h
    before its snapshot are its day segment, and its long windows start at midnight. -#}
{% macro metrics_step_current() -%}
    {%- set segments = data_pipeline.metrics_stage('segments') -%}
    select
        segments.symbol,
        segments.seg_date as metric_date,
        segments.last_epoch + 60 as snapshot_end
    from {{ segments }} as segments
    inner join (
        select max(seg_date) as current_day
        from {{ segments }}
        where seg_kind = 'day'
    ) as today
        on segments.seg_date = today.current_day
    where segments.seg_kind = 'day' and segments.last_epoch + 60 < segments.seg_date + 86400
{%- endmacro %}
