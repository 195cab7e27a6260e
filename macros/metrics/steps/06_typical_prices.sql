{#- Step 6, MySQL/MariaDB only: each recomputed day's typical prices, kept between runs in
    ohlc_metrics_daily__typical_prices, so that the mean absolute deviation of a long window (CCI)
    is one lookup per (row, day) (step 13) instead of a pass over the day's bars. Each price is
    anchored at the day's last close (typical_from_close) and carries its rank in the day
    (rank_in_day), its bucket of metrics_typical_bucket_rows ranks, and the count and anchored sum
    of every price at or below it. One row per bar: equal prices are peers of the range frame, so
    each carries the count and sum of every price at or below it (almost every price is distinct,
    so grouping them first only costs time; docs/metrics.md). DuckDB keeps no sorted prices: it
    sums the deviations directly (step 13), and this step returns none there. -#}
{% macro metrics_step_typical_prices(day_bars) -%}
    {{ return(adapter.dispatch('metrics_step_typical_prices', 'data_pipeline')(day_bars)) }}
{%- endmacro %}
{% macro default__metrics_step_typical_prices(day_bars) -%}{{ return(none) }}{%- endmacro %}
{% macro mysql__metrics_step_typical_prices(day_bars) -%}
    {%- set bucket_rows = data_pipeline.metrics_typical_bucket_rows() -%}
    {%- set in_day = 'partition by symbol, seg_date order by typical - last_close' -%}
    select
        symbol,
        seg_date,
        {{ data_pipeline.int_div('row_number() over (' ~ in_day ~ ') - 1', bucket_rows) }} as bucket,
        row_number() over ({{ in_day }}) as rank_in_day,
        typical - last_close as typical_from_close,
        count(*) over prices_below as count_at_or_below,
        sum(typical - last_close) over prices_below as dev_sum_at_or_below
    from {{ day_bars }} as day_bars
    window prices_below as ({{ in_day }} range between unbounded preceding and current row)
{%- endmacro %}
{% macro mariadb__metrics_step_typical_prices(day_bars) -%}
    {{ return(data_pipeline.mysql__metrics_step_typical_prices(day_bars)) }}
{%- endmacro %}

{#- The sorted prices' columns in the query's order, and the types that keep the table small (a
    smaller table is written faster). Its key is (symbol, seg_date, bucket, rank_in_day). -#}
{% macro metrics_typical_price_columns() -%}
    {{ return(['symbol', 'seg_date', 'bucket', 'rank_in_day', 'typical_from_close', 'count_at_or_below',
               'dev_sum_at_or_below']) }}
{%- endmacro %}
{% macro metrics_typical_price_types() -%}
    {{ return({'bucket': 'smallint unsigned not null', 'rank_in_day': 'int unsigned not null',
               'count_at_or_below': 'int unsigned not null'}) }}
{%- endmacro %}

{#- How many typical prices of a day form a bucket for the long windows' lookups, or none.
    MySQL/MariaDB: 64. They run a correlated lookup as a read of the day's prices from the top
    down until one is at or below the mean (about half a day per lookup); with buckets, a lookup
    reads the day's bucket heads (about 23) and one bucket (at most 64). DuckDB: none. -#}
{% macro metrics_typical_bucket_rows() -%}
    {{ return(adapter.dispatch('metrics_typical_bucket_rows', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__metrics_typical_bucket_rows() -%}{{ return(none) }}{%- endmacro %}
{% macro mysql__metrics_typical_bucket_rows() -%}{{ return(64) }}{%- endmacro %}
{% macro mariadb__metrics_typical_bucket_rows() -%}
    {{ return(data_pipeline.mysql__metrics_typical_bucket_rows()) }}
{%- endmacro %}
