{#- Step 13: CCI's sum of absolute deviations of the typical price over the whole days of every
    long window of every recomputed row, in one statement for all long windows (each day's bars or
    sorted prices are read once for both): per (window, symbol, metric_date), the sum over its
    whole days of |typical - window mean|. The partial first day of a current date is step 14's.
    `plan`: the run's plan (the oldest day the rows' windows cover bounds what is read). -#}
{% macro metrics_step_long_day_mads(plan) -%}
    {%- set windows = data_pipeline.metrics_long_windows() -%}
    {%- set day_pairs -%}
        {%- for w in windows %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ w.suffix }}' as window_suffix,
            pairs.symbol,
            pairs.metric_date,
            pairs.seg_date,
            pairs.seg_bar_count,
            pairs.seg_typical_dev_sum,
            (merged.last_close - pairs.last_close) + merged.typical_dev_sum / merged.bar_count as mean_from_day_close,
            merged.last_close + merged.typical_dev_sum / merged.bar_count as typical_mean
        from {{ data_pipeline.metrics_stage('long_' ~ w.suffix ~ '_pairs') }} as pairs
        inner join {{ data_pipeline.metrics_stage('long_' ~ w.suffix) }} as merged
            on pairs.symbol = merged.symbol and pairs.metric_date = merged.metric_date
        where pairs.seg_kind = 'day'
        {%- endfor %}
    {%- endset -%}
    {%- set longest = windows | map(attribute='days') | max -%}
    {%- set first_day = none if plan.first is none else plan.first - (longest - 1) * 86400 -%}
    {{ return(adapter.dispatch('metrics_step_long_day_mads', 'data_pipeline')(day_pairs, first_day)) }}
{%- endmacro %}

{#- DuckDB: directly, each (row, day) pair joined to the day's bars (a hash join on symbol and
    day): at most 37 terms per bar, summed per row, grouped by an integer row id (cheaper than the
    row's text key). Sorted prices and an as-of join cost more on DuckDB (docs/metrics.md, "CCI's
    mean absolute deviation"). The mean is absolute, so |typical - mean| is summed as the
    reference sums it. -#}
{% macro default__metrics_step_long_day_mads(day_pairs, first_day) -%}
    {%- set bar_filter = '1 = 1' if first_day is none else
        'bar_at >= ' ~ data_pipeline.metrics_epoch_literal(first_day, 'timestamp') -%}
    with pairs as materialized (
        select
            cast(dense_rank() over (order by window_suffix, symbol, metric_date) as integer) as row_id,
            day_pairs.*
        from ({{ day_pairs }}) as day_pairs
    ),

    day_bars as (
        select
            symbol,
            {{ data_pipeline.int_div('bar_epoch', 86400) }} * 86400 as seg_date,
            (high + low + close) / 3 as typical
        from ({{ data_pipeline.metrics_source_bars(bar_filter) }}) as source_bars
    ),

    deviations as (
        select
            pairs.row_id,
            sum(abs(day_bars.typical - pairs.typical_mean)) as cci_abs_dev_sum
        from pairs
        inner join day_bars
            on pairs.symbol = day_bars.symbol and pairs.seg_date = day_bars.seg_date
        group by pairs.row_id
    ),

    row_keys as (
        select distinct
            row_id,
            window_suffix,
            symbol,
            metric_date
        from pairs
    )

    select
        row_keys.window_suffix,
        row_keys.symbol,
        row_keys.metric_date,
        deviations.cci_abs_dev_sum
    from row_keys
    inner join deviations
        on row_keys.row_id = deviations.row_id
{%- endmacro %}

{#- Spark: directly, as on DuckDB, but grouped by the row's key: a row id from one dense_rank over
    every pair would sort them all in one task, and `as materialized` is DuckDB's. -#}
{% macro spark__metrics_step_long_day_mads(day_pairs, first_day) -%}
    {%- set bar_filter = '1 = 1' if first_day is none else
        'bar_at >= ' ~ data_pipeline.metrics_epoch_literal(first_day, 'timestamp') -%}
    select
        pairs.window_suffix,
        pairs.symbol,
        pairs.metric_date,
        sum(abs(day_bars.typical - pairs.typical_mean)) as cci_abs_dev_sum
    from ({{ day_pairs }}) as pairs
    inner join (
        select
            symbol,
            {{ data_pipeline.int_div('bar_epoch', 86400) }} * 86400 as seg_date,
            (high + low + close) / 3 as typical
        from ({{ data_pipeline.metrics_source_bars(bar_filter) }}) as source_bars
    ) as day_bars
        on pairs.symbol = day_bars.symbol and pairs.seg_date = day_bars.seg_date
    group by pairs.window_suffix, pairs.symbol, pairs.metric_date
{%- endmacro %}

{#- MySQL/MariaDB evaluate every expression row by row, so a direct sum would cost one row
    evaluation per (row, day, bar) of a backfill. Instead, one ordered lookup per (row, day) into
    step 6's sorted prices: the count (below_count) and anchored sum (below_dev_sum) of the day's
    prices at or below the window's mean m (anchored at the day's last close); the day's
    deviation is then (m below_count - below_dev_sum) + ((sum - below_dev_sum) - m (n - below_count)). -#}
{% macro mysql__metrics_step_long_day_mads(day_pairs, first_day) -%}
    {%- set m = 'mean_from_day_close' -%}
    select
        window_suffix,
        symbol,
        metric_date,
        sum(({{ m }} * below_count - below_dev_sum)
            + ((seg_typical_dev_sum - below_dev_sum) - {{ m }} * (seg_bar_count - below_count))) as cci_abs_dev_sum
    from ({{ data_pipeline.metrics_typical_price_lookup(day_pairs) }}) as lookups
    group by window_suffix, symbol, metric_date
{%- endmacro %}
{% macro mariadb__metrics_step_long_day_mads(day_pairs, first_day) -%}
    {{ return(data_pipeline.mysql__metrics_step_long_day_mads(day_pairs, first_day)) }}
{%- endmacro %}

{#- MySQL/MariaDB's lookup itself: a descending index probe on the bucket heads (step 7), then
    within one bucket of the sorted prices (step 6). -#}
{% macro metrics_typical_price_lookup(day_pairs) -%}
    {%- set prices = data_pipeline.metrics_stage('typical_prices') -%}
    select
        found.*,
        coalesce(prices.count_at_or_below, 0) as below_count,
        coalesce(prices.dev_sum_at_or_below, 0) as below_dev_sum
    from (
        select
            in_bucket.*,
            (
                select max(below.rank_in_day)
                from {{ prices }} as below
                where
                    below.symbol = in_bucket.symbol
                    and below.seg_date = in_bucket.seg_date
                    and below.bucket = in_bucket.hit_bucket
                    and below.typical_from_close <= in_bucket.mean_from_day_close
            ) as hit_rank
        from (
            select
                day_pairs.*,
                (
                    select max(heads.bucket)
                    from {{ data_pipeline.metrics_stage('typical_buckets') }} as heads
                    where
                        heads.symbol = day_pairs.symbol
                        and heads.seg_date = day_pairs.seg_date
                        and heads.bucket_low <= day_pairs.mean_from_day_close
                ) as hit_bucket
            from ({{ day_pairs }}) as day_pairs
            -- never merged into the queries around it: merged, a lookup would be re-run for
            -- every row it is joined to (100x slower)
            {{ data_pipeline.no_merge_limit() }}
        ) as in_bucket
        {{ data_pipeline.no_merge_limit() }}
    ) as found
    left join {{ prices }} as prices
        on
            found.symbol = prices.symbol
            and found.seg_date = prices.seg_date
            and found.hit_bucket = prices.bucket
            and found.hit_rank = prices.rank_in_day
{%- endmacro %}
