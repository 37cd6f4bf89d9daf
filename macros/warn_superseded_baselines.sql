{#- Post-hook of int_models_to_score: a baseline that a newer version superseded is
    kept (the user asked for it by name), and the build says so, naming the successor. -#}
{% macro warn_superseded_baselines() %}
    {%- if execute -%}
        {%- set superseded = run_query(
            'select model_id, superseded_by from ' ~ this
            ~ ' where is_baseline and superseded_by is not null order by model_id') -%}
        {%- for row in superseded -%}
            {%- do exceptions.warn(
                "Baseline '" ~ row[0] ~ "' is superseded by '" ~ row[1]
                ~ "' (same family and size, newer version); it stays in the scored set because it is a baseline.") -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
