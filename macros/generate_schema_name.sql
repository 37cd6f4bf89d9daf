{#- Seeds land in schema `raw`, models in the target schema (`main`): plain names BI tools can
    find, instead of dbt's default `main_raw`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
