{#- Model pre-hook: every model runs on a fresh connection, so pin MySQL/MariaDB sessions to UTC.
    DuckDB's TIMESTAMP is naive already: nothing to do (an empty hook is skipped). -#}
{% macro session_utc() -%}
    {{ return(adapter.dispatch('session_utc', 'data_pipeline')()) }}
{%- endmacro %}

{% macro default__session_utc() -%}{%- endmacro %}

{#- https://mariadb.com/kb/en/time-zones/ -#}
{% macro mysql__session_utc() -%}set time_zone = '+00:00'{%- endmacro %}
{% macro mariadb__session_utc() -%}{{ data_pipeline.mysql__session_utc() }}{%- endmacro %}
{#- https://spark.apache.org/docs/3.5.0/sql-ref-syntax-aux-conf-mgmt-set.html : timestamp literals
    and casts from text read in the session zone; a cluster's default may not be UTC. -#}
{% macro spark__session_utc() -%}set spark.sql.session.timeZone = UTC{%- endmacro %}

{#- Pre-hook of the small cohort models of the leaderboards (members, vectors, profiles, skew,
    habitual_*): turn off MariaDB's derived_with_keys (https://mariadb.com/kb/en/optimizer-switch/).
    With it on, MariaDB 10.11 returned wrong rows for int_member_vectors_centered (a left join over
    CTEs referenced more than once gave a centroid of 0 for a bucket a member had), depending on the
    table statistics of the moment. Not session-wide: it slows the big joins elsewhere 2-5x. -#}
{% macro derived_keys_off() -%}
    {{ return(adapter.dispatch('derived_keys_off', 'data_pipeline')()) }}
{%- endmacro %}
{% macro default__derived_keys_off() -%}{%- endmacro %}
{% macro mysql__derived_keys_off() -%}{%- endmacro %}
{% macro mariadb__derived_keys_off() -%}set optimizer_switch = 'derived_with_keys=off'{%- endmacro %}
