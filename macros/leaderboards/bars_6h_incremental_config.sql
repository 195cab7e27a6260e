{#- How int_bars_6h's incremental run writes its rows: the config() arguments for the engine.
    Delete+insert on the key where the engine can delete rows. -#}
{% macro bars_6h_incremental_config() -%}
    {{ return(adapter.dispatch('bars_6h_incremental_config', 'data_pipeline')()) }}
{%- endmacro %}

{% macro default__bars_6h_incremental_config() -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': ['symbol', 'bucket_epoch']}) }}
{%- endmacro %}

{#- Parquet tables on Spark have no DELETE (and MERGE needs Delta or Iceberg): the run overwrites the
    month partitions it touches, bars_6h_rows giving their whole new content. A month of 6 h buckets
    is small (2,000 symbols: 240,000 rows), and a run normally touches the current month only.
    https://docs.getdbt.com/reference/resource-configs/spark-configs#the-insert_overwrite-strategy -#}
{% macro spark__bars_6h_incremental_config() -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite', 'partition_by': ['bucket_month'], 'file_format': 'parquet',
    }) }}
{%- endmacro %}
