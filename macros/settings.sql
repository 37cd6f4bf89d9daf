{#- The method's settings (SPEC.md, "Settings") are dbt vars. Models never call var() for
    them: they call setting(name), which validates the value and returns it.
    validate_settings() runs as on-run-start, so a wrong value stops the build before any
    model runs, with a message naming the var. -#}

{% macro setting(name) -%}
    {{- return(_validated_setting(name)) -}}
{%- endmacro %}

{% macro validate_settings() %}
    {%- for name in ['top_n', 'tier_high', 'tier_moderate', 'moe_as_attention', 'baselines', 'catalog_path'] -%}
        {%- do _validated_setting(name) -%}
    {%- endfor -%}
    {%- if setting('tier_moderate') > setting('tier_high') -%}
        {{ _setting_error('tier_moderate', setting('tier_moderate'),
            'must not exceed tier_high (' ~ setting('tier_high') ~ '): the thresholds are inverted') }}
    {%- endif -%}
    select 1 as settings_are_valid
{% endmacro %}

{% macro _setting_error(name, value, problem) %}
    {{ exceptions.raise_compiler_error(
        "Invalid dbt var '" ~ name ~ "' = " ~ (value | tojson) ~ ": " ~ problem) }}
{% endmacro %}

{% macro _validated_setting(name) %}
    {%- set value = var(name) -%}
    {%- if name == 'top_n' -%}
        {%- if value is boolean or value is not integer or value < 0 -%}
            {{ _setting_error(name, value, 'must be a whole number >= 0') }}
        {%- endif -%}
    {%- elif name in ['tier_high', 'tier_moderate'] -%}
        {%- if value is boolean or value is not number or value != value or value < 0 -%}
            {{ _setting_error(name, value, 'must be a number >= 0') }}
        {%- endif -%}
    {%- elif name == 'moe_as_attention' -%}
        {%- if value is not boolean -%}
            {{ _setting_error(name, value, 'must be true or false') }}
        {%- endif -%}
    {%- elif name == 'baselines' -%}
        {%- if value is not none -%}
            {%- if value is string or value is mapping or value is not iterable -%}
                {{ _setting_error(name, value, 'must be a list of model_ids (or null for the shipped seed)') }}
            {%- endif -%}
            {%- for model_id in value -%}
                {%- if model_id is not string or not modules.re.fullmatch('[a-z0-9][a-z0-9._-]*', model_id) -%}
                    {{ _setting_error(name, value, (model_id | tojson) ~ ' is not a model_id ([a-z0-9][a-z0-9._-]*)') }}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- elif name == 'catalog_path' -%}
        {%- if value is not none -%}
            {%- if value is not string or not modules.re.search('\.(csv|parquet)$', value | lower) -%}
                {{ _setting_error(name, value, 'must be the path of a .csv or .parquet file (or null for the shipped seed)') }}
            {%- endif -%}
        {%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("Unknown setting '" ~ name ~ "'") }}
    {%- endif -%}
    {{- return(value) -}}
{% endmacro %}
