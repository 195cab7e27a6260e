-- Proves the dialect macros give the same, known answers on every engine: each row of the
-- seed cross_db_macro_cases holds inputs and the expected values (computed in Python).
-- Returns the cases where any macro disagrees with the expected value.
with

cases as (

    select * from {{ ref('cross_db_macro_cases') }}

),

computed as (

    select
        case_id,
        expected_epoch,
        expected_bucket_start,
        expected_ts_plus,
        expected_ratio,
        expected_int_div,
        {{ epoch_seconds('ts') }} as actual_epoch,
        {{ bucket_start('ts', 'bucket_seconds') }} as actual_bucket_start,
        {{ from_epoch_seconds(epoch_seconds('ts')) }} as actual_round_trip,
        ts,
        {{ timestamp_add('second', 'add_seconds', 'ts') }} as actual_ts_plus,
        {{ timestamp_add('minute', 'add_seconds', timestamp_add('second', '-60 * add_seconds', 'ts')) }}
            as actual_minutes_back_and_forth,
        {{ seconds_between('ts', timestamp_add('second', 'add_seconds', 'ts')) }} as actual_seconds_between,
        add_seconds,
        {{ safe_divide('num', 'den') }} as actual_ratio,
        {{ int_div('div_numerator', 'div_denominator') }} as actual_int_div,
        {{ cast_bigint(cast_double('div_numerator')) }} as actual_bigint_round_trip,
        div_numerator
    from cases

),

mismatches as (

    -- a macro returning NULL makes `a <> b` NULL, which no `where` keeps: not coalesce(a = b, both
    -- null) is the NULL-safe form in plain SQL (MariaDB has no `is distinct from`, DuckDB no `<=>`)
    select * from computed
    where
        {% for actual, expected in [
            ('actual_epoch', 'expected_epoch'),
            ('actual_bucket_start', 'expected_bucket_start'),
            ('actual_round_trip', 'ts'),
            ('actual_ts_plus', 'expected_ts_plus'),
            ('actual_minutes_back_and_forth', 'ts'),
            ('actual_seconds_between', 'add_seconds'),
            ('actual_int_div', 'expected_int_div'),
            ('actual_bigint_round_trip', 'div_numerator'),
        ] -%}
            not coalesce({{ actual }} = {{ expected }}, {{ actual }} is null and {{ expected }} is null)
            or
        {% endfor -%}
        (actual_ratio is null) <> (expected_ratio is null)
        or abs(actual_ratio - expected_ratio) > 1e-15 * abs(expected_ratio)

)

select * from mismatches
