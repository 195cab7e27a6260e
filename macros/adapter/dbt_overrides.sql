{#- Patches for dbt-core's own macros (namespace dbt) on MySQL/MariaDB, found first because
    dbt_project.yml puts this project ahead of dbt in the dispatch search order.
    See ../shared/notes/dbt-mysql-field-notes.md: the shipped versions emit SQL MySQL rejects. -#}

{#- current_timestamp() is session-local on MariaDB; source freshness compares against it. -#}
{% macro mysql__current_timestamp() -%}utc_timestamp(){%- endmacro %}
{% macro mariadb__current_timestamp() -%}{{ mysql__current_timestamp() }}{%- endmacro %}

{#- https://mariadb.com/kb/en/date_add/ -#}
{% macro mysql__dateadd(datepart, interval, from_date_or_timestamp) -%}
    date_add({{ from_date_or_timestamp }}, interval ({{ interval }}) {{ datepart }})
{%- endmacro %}
{% macro mariadb__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {{ mysql__dateadd(datepart, interval, from_date_or_timestamp) }}
{%- endmacro %}

{#- https://mariadb.com/kb/en/timestampdiff/ -#}
{% macro mysql__datediff(first_date, second_date, datepart) -%}
    timestampdiff({{ datepart }}, {{ first_date }}, {{ second_date }})
{%- endmacro %}
{% macro mariadb__datediff(first_date, second_date, datepart) -%}
    {{ mysql__datediff(first_date, second_date, datepart) }}
{%- endmacro %}

{% macro mysql__type_string() -%}char(255){%- endmacro %}
{% macro mariadb__type_string() -%}{{ mysql__type_string() }}{%- endmacro %}

{#- type_float is single precision as shipped: use double. -#}
{% macro mysql__type_float() -%}double{%- endmacro %}
{% macro mariadb__type_float() -%}{{ mysql__type_float() }}{%- endmacro %}

{% macro mysql__type_numeric() -%}decimal(28, 6){%- endmacro %}
{% macro mariadb__type_numeric() -%}{{ mysql__type_numeric() }}{%- endmacro %}

{% macro mysql__type_bigint() -%}signed{%- endmacro %}
{% macro mariadb__type_bigint() -%}{{ mysql__type_bigint() }}{%- endmacro %}

{% macro mysql__type_timestamp() -%}datetime{%- endmacro %}
{% macro mariadb__type_timestamp() -%}{{ mysql__type_timestamp() }}{%- endmacro %}

{% macro mysql__safe_cast(field, type) -%}cast({{ field }} as {{ type }}){%- endmacro %}
{% macro mariadb__safe_cast(field, type) -%}{{ mysql__safe_cast(field, type) }}{%- endmacro %}

{% macro mysql__concat(fields) -%}concat({{ fields | join(', ') }}){%- endmacro %}
{% macro mariadb__concat(fields) -%}{{ mysql__concat(fields) }}{%- endmacro %}

{#- The server default charset may be latin1: create schemas (databases) as utf8mb4. -#}
{% macro mysql__create_schema(relation) -%}
  {%- call statement('create_schema') -%}
    create schema if not exists {{ relation.without_identifier() }} character set utf8mb4 collate utf8mb4_bin
  {%- endcall -%}
{% endmacro %}
{% macro mariadb__create_schema(relation) -%}{{ mysql__create_schema(relation) }}{%- endmacro %}

{#- Seeds: the shipped MariaDB path inserts row by row (about 45 s for 10k rows); batches take ~5 s. -#}
{% macro mariadb__load_csv_rows(model, agate_table) -%}
    {{ return(basic_load_csv_rows(model, get_batch_size(), agate_table)) }}
{%- endmacro %}
