{#- A LIMIT that changes nothing but keeps MySQL/MariaDB from merging a derived table into the
    query around it (merged, the optimizer may drive a join the slow way round); nothing elsewhere. -#}
{% macro no_merge_limit() -%}
    {{ return(adapter.dispatch('no_merge_limit', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__no_merge_limit() -%}{%- endmacro %}
{% macro mysql__no_merge_limit() -%}limit 18446744073709551615{%- endmacro %}
{% macro mariadb__no_merge_limit() -%}{{ data_pipeline.mysql__no_merge_limit() }}{%- endmacro %}
