-- One row per symbol and 1h candle that holds a sane bar (../shared/spec/candles-and-indicators.md).
-- Built by macros/candles/candles_build.sql; incremental from each symbol's newest candle on.
{{ config(materialized=data_pipeline.candles_materialized('1h'),
    pre_hook=["{{ data_pipeline.candles_delete_vanished('1h') }}"], post_hook=[
    "{{ data_pipeline.candles_drop_emptied('1h') }}",
    "{{ data_pipeline.candles_key('1h') }}",
], **data_pipeline.candles_incremental_config('1h')) }}

{{ data_pipeline.candles_build('1h') }}
