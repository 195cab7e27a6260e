{#- The config() arguments of an incremental table whose runs rewrite some of its rows, per engine
    (docs/scale.md, "Partitioning"). Where the engine deletes rows: delete+insert on `unique_key`, the
    model's query returning the rows a run rewrites. Spark, whose parquet tables have no DELETE (MERGE
    needs Delta or Iceberg): insert_overwrite of the `partition_by` partitions the rows fall in (dbt-spark
    overwrites dynamically, the others stay), the model's query returning every touched partition whole.
    https://docs.getdbt.com/reference/resource-configs/spark-configs#the-insert_overwrite-strategy -#}
{% macro incremental_table_config(unique_key, partition_by) -%}
    {{ return(adapter.dispatch('incremental_table_config', 'data_pipeline')(unique_key, partition_by)) }}
{%- endmacro %}
{% macro default__incremental_table_config(unique_key, partition_by) -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': unique_key}) }}
{%- endmacro %}
{% macro spark__incremental_table_config(unique_key, partition_by) -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [partition_by], 'file_format': 'parquet'}) }}
{%- endmacro %}
