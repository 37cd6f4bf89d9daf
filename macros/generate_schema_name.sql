{#- Seeds land in schema `raw`, models in the target schema (`main`): plain names BI tools can
    find, instead of dbt's default `main_raw`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- `archrarity build` on a warehouse builds into scratch schemas, prefixed, and publishes them
        by renaming (src/archrarity/warehouse.py); everywhere else the prefix is empty -#}
    {{- env_var('ARCHRARITY_SCHEMA_PREFIX', '') -}}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
