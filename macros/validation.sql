{#- Helpers for staging models that validate input. A staging model collects every problem
    of its input as rows (problem_order, problem) and filters its output by
    stop_on_problems(): if there is any problem the query raises one error listing them
    (the first 50), so the build stops at that model and nothing downstream is replaced. -#}

{% macro stop_on_problems(problems_relation, subject) -%}
    (
        select
            case
                when count(*) > 0
                    then error(
                        count(*) || ' problem(s) in {{ subject }}:' || chr(10)
                        || string_agg('  - ' || problem, chr(10) order by problem_order)
                            filter (where problem_order <= 50)
                        || case
                            when count(*) > 50 then chr(10) || '  ... and ' || (count(*) - 50) || ' more'
                            else ''
                        end
                    )
            end
        from {{ problems_relation }}
    ) is null
{%- endmacro %}

{#- A positive number read from text, or null when the text is not one.
    whole=true also requires an integer value (131072 or 131072.0, not 131072.5 or 128K). -#}
{% macro positive_number(column, whole=false) -%}
    case
        when
            isfinite(try_cast({{ column }} as double))
            and try_cast({{ column }} as double) > 0
            {%- if whole %}
            and try_cast({{ column }} as double) = floor(try_cast({{ column }} as double))
            and try_cast({{ column }} as double) < 9007199254740992
            {%- endif %}
            then try_cast({{ column }} as double){{ '::bigint' if whole }}
    end
{%- endmacro %}

{#- One problem message naming the catalog row, the column and the value. -#}
{% macro catalog_problem(column, problem) -%}
    'row ' || source_row || ' (model_id ' || coalesce('''' || model_id || '''', 'missing') || '): '
    || '{{ column }} = ' || coalesce('''' || {{ column }} || '''', 'empty') || ' ' || {{ problem }}
{%- endmacro %}
