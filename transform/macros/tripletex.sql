{#
  How the loaders lay out Tripletex's records, per engine. Models use only these macros
  for anything that differs between DuckDB, PostgreSQL and SQL Server.

  - target-postgres keeps property names (camelCase, quoted) and stores references such
    as `account` as JSON: {"id": ..., "url": ...}.
  - target-duckdb lower-cases names (DuckDB matches quoted names case-insensitively) and
    stores references as JSON.
  - target-mssql (with tap-tripletex--mssql, which flattens) snake_cases names and stores a
    reference as two columns, `account__id` and `account__url`.
#}

{# A property of the record as a column. #}
{% macro tx_col(name) %}{{ return(adapter.dispatch('tx_col', 'tripletex')(name)) }}{% endmacro %}

{% macro default__tx_col(name) %}{{ adapter.quote(name) }}{% endmacro %}

{% macro sqlserver__tx_col(name) %}{{ adapter.quote(tx_snake_case(name)) }}{% endmacro %}

{# The id of a reference (`customer` -> its id), as a bigint. #}
{% macro tx_ref_id(name) %}{{ return(adapter.dispatch('tx_ref_id', 'tripletex')(name)) }}{% endmacro %}

{% macro default__tx_ref_id(name) %}cast(({{ adapter.quote(name) }} ->> 'id') as bigint){% endmacro %}

{% macro duckdb__tx_ref_id(name) %}cast(json_extract_string({{ adapter.quote(name) }}, '$.id') as bigint){% endmacro %}

{% macro sqlserver__tx_ref_id(name) %}cast({{ adapter.quote(tx_snake_case(name) ~ '__id') }} as bigint){% endmacro %}

{# A date property (Tripletex sends dates as YYYY-MM-DD text). #}
{% macro tx_date(name) %}cast({{ tx_col(name) }} as date){% endmacro %}

{# An amount. #}
{% macro tx_amount(name) %}cast({{ tx_col(name) }} as {{ dbt.type_numeric() }}){% endmacro %}

{# The first day of the month of a date expression. #}
{% macro tx_month(expression) %}cast({{ dbt.date_trunc('month', expression) }} as date){% endmacro %}

{# The day receivables and payables are aged at: var as_of_date, else today. #}
{% macro tx_as_of_date() %}
  {%- if var('as_of_date') -%} cast('{{ var("as_of_date") }}' as date)
  {%- else -%} cast({{ dbt.current_timestamp() }} as date)
  {%- endif -%}
{% endmacro %}

{# Rows the loader marks deleted in Tripletex (soft delete) are left out. #}
{% macro tx_live_rows() %}
  {%- if var('tripletex_deleted_at_column') -%}
  where {{ adapter.quote(var('tripletex_deleted_at_column')) }} is null
  {%- endif -%}
{% endmacro %}

{# target-mssql 0.2.1's names: camelCase to snake_case, lower case. #}
{% macro tx_snake_case(name) %}
  {%- set step = modules.re.sub('(.)([A-Z][a-z]+)', '\\1_\\2', name) -%}
  {{- return(modules.re.sub('([a-z0-9])([A-Z])', '\\1_\\2', step) | lower) -}}
{% endmacro %}

{# The aging bucket of an open item, from its days overdue. #}
{% macro tx_aging_bucket(days_overdue) %}
    case
        when {{ days_overdue }} is null or {{ days_overdue }} <= 0 then 'ikke forfalt'
        when {{ days_overdue }} <= 30 then '1-30'
        when {{ days_overdue }} <= 60 then '31-60'
        when {{ days_overdue }} <= 90 then '61-90'
        else 'over 90'
    end
{% endmacro %}
