-- One row per candle of candles_1h, with TA-Lib's indicators and the range-based volatility estimators
-- (../shared/spec/candles-and-indicators.md). The pre-hook computes them in steps (macros/indicators/
-- indicators_run.sql, steps in macros/indicators/steps/); this query assembles the rewritten rows.
-- Incremental: each symbol from its newest stored row on (or var recompute_from), continuing from the state
-- stored in the row before.
-- depends_on: {{ ref('candles_1h') }}
{{ config(materialized=data_pipeline.indicators_materialized('1h'), pre_hook=[
    "{{ data_pipeline.indicators_prepare('1h') }}",
], post_hook=[
    "{{ data_pipeline.indicators_delete_vanished('1h') }}",
    "{{ data_pipeline.indicators_key('1h') }}",
    "{{ data_pipeline.indicators_drop_scratch('1h') }}",
], **data_pipeline.candles_incremental_config('1h')) }}

{{ data_pipeline.indicators_build('1h') }}
