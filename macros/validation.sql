{#- Helpers for staging models that validate input. A staging model collects every problem
    of its input as rows (problem_order, problem) and filters its output by
    stop_on_problems(): if there is any problem the query raises one error listing them
    (the first 50), so the build stops at that model and nothing downstream is replaced. -#}

{% macro stop_on_problems(problems_relation, subject) -%}
    (
        select
            case
                when count(*) > 0
                    then {{ raise_error(
                        "count(*) || ' problem(s) in " ~ subject ~ ":' || chr(10)
                        || " ~ ordered_string_agg("'  - ' || problem", 'chr(10)', 'problem_order', 'problem_order <= 50') ~ "
                        || case
                            when count(*) > 50 then chr(10) || '  ... and ' || (count(*) - 50) || ' more'
                            else ''
                        end"
                    ) }}
            end
        from {{ problems_relation }}
    ) is null
{%- endmacro %}

{#- One problem message naming the catalog row, the column and the value. -#}
{% macro catalog_problem(column, problem) -%}
    'row ' || source_row || ' (model_id ' || coalesce('''' || model_id || '''', 'missing') || '): '
    || '{{ column }} = ' || coalesce('''' || {{ column }} || '''', 'empty') || ' ' || {{ problem }}
{%- endmacro %}
