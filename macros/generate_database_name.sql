{#- On DuckDB the intermediate models live in `scratch`, an in-memory database that profiles.yml
    attaches for the run: read by the marts and tested within the build, never written to the
    published file. Elsewhere (PostgreSQL, Spark) every model lands in the target's database. -#}
{% macro generate_database_name(custom_database_name, node) -%}
    {%- if custom_database_name is not none and target.type == 'duckdb' -%}
        {{ custom_database_name | trim }}
    {%- else -%}
        {{ default__generate_database_name(none, node) }}
    {%- endif -%}
{%- endmacro %}
