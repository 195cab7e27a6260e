-- One row per symbol and 15m candle that holds a sane bar (../shared/spec/candles-and-indicators.md).
-- Built by macros/candles/candles_build.sql; incremental from each symbol's newest candle on.
{{ config(materialized=data_pipeline.candles_materialized('15m'),
    pre_hook=["{{ data_pipeline.candles_delete_vanished('15m') }}"], post_hook=[
    "{{ data_pipeline.candles_drop_emptied('15m') }}",
    "{{ data_pipeline.candles_key('15m') }}",
], **data_pipeline.candles_incremental_config('15m')) }}

{{ data_pipeline.candles_build('15m') }}
