{#- Makes what this connection wrote so far durable, outside dbt's own transactions. MySQL/MariaDB
    (dbt-mysql connects without autocommit): a COMMIT, since a DML statement is otherwise
    committed only by the next DDL statement or by dbt. Elsewhere nothing: outside dbt's
    transactions DuckDB commits every statement by itself. -#}
{% macro commit_now() -%}
    {{ return(adapter.dispatch('commit_now', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__commit_now() -%}{%- endmacro %}
{#- https://mariadb.com/kb/en/commit/ -#}
{% macro mysql__commit_now() -%}{%- do adapter.execute('commit', auto_begin=false, fetch=false) -%}{%- endmacro %}
{% macro mariadb__commit_now() -%}{%- do data_pipeline.mysql__commit_now() -%}{%- endmacro %}
