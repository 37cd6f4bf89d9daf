-- Every problem in the catalog, one row each: a required value missing, a value that is not
-- what its column holds, an unknown label, a repeated model_id. If there is any, the build
-- stops here with one error listing them (row, model_id, column, value); so in a finished
-- build this table is empty, and nothing downstream has read a bad row.
-- A table: building it is what runs the check, once, before stg_catalog is read.
{{ config(materialized='table') }}

{%- set required = ['model_name', 'family'] %}
{%- set label_features = ['attention', 'ffn', 'activation', 'norm'] %}
{#- labels a catalog may leave empty (SPEC: optional; the shipped catalog has them all) -#}
{%- set optional_labels = ['attention_window', 'position_encoding', 'qk_norm', 'tie_word_embeddings',
    'sequence_mixer', 'norm_placement'] %}
{%- set numbers = {
    'size_b': 'is not a number of billions > 0 (write 12, not 12B)',
    'context_window': 'is not a whole number of tokens > 0 (write 131072, not 128K)',
    'total_params_b': 'is not a number of billions > 0',
    'active_params_b': 'is not a number of billions > 0',
    'num_attention_heads': 'is not a whole number > 0',
    'num_key_value_heads': 'is not a whole number > 0',
    'kv_lora_rank': 'is not a whole number > 0',
    'max_position_embeddings': 'is not a whole number > 0',
    'num_experts': 'is not a whole number > 0',
    'experts_per_token': 'is not a whole number > 0',
    'sliding_window': 'is not a whole number of tokens > 0',
    'num_hidden_layers': 'is not a whole number > 0',
    'hidden_size': 'is not a whole number > 0',
    'vocab_size': 'is not a whole number > 0'} %}
{%- set required_numbers = ['size_b', 'context_window'] %}

-- base_catalog is read directly where it is needed rather than as one CTE: a CTE read four
-- times is materialised whole, every column of every row, where the id checks need one column.
-- Only the row checks look its labels up in the vocabulary.
with

-- per feature, what an unknown label is told
accepted as (
    select distinct
        feature,
        'is not in the vocabulary (accepted: ' || accepted_values
        || '; extend seeds/vocabulary.csv or seeds/vocabulary_aliases.csv)' as unknown_problem
    from {{ ref('stg_vocabulary') }}
),

checked as (
    select
        *,
        {{ regexp_full_match('model_id', '[a-z0-9][a-z0-9._-]*') }} as is_model_id_valid,
        {{ regexp_full_match('version', '\\d+(\\.\\d+)*') }} as is_version_valid,
        model_type is null or {{ regexp_full_match('model_type', '[a-z0-9_]+') }} as is_model_type_valid,
        release_date_value <= current_date as is_release_date_past
    from ({{ canonical_labels(ref('base_catalog')) }}) as labelled
),

-- the rows with at least one problem, found with plain true/false checks; the messages are
-- written for these rows only
failed as (
    select *
    from checked
    where not coalesce(
        is_model_id_valid
        and is_version_valid
        and is_model_type_valid
        and is_release_date_past
        {%- for column in required %}
        and {{ column }} is not null
        {%- endfor %}
        {%- for feature in label_features %}
        and {{ feature }}_value is not null
        {%- endfor %}
        {%- for feature in optional_labels %}
        and ({{ feature }} is null or {{ feature }}_value is not null)
        {%- endfor %}
        {%- for column in numbers %}
        {%- if column in required_numbers %}
        and {{ column }}_value is not null
        {%- else %}
        and ({{ column }} is null or {{ column }}_value is not null)
        {%- endif %}
        {%- endfor %},
        false
    )
),

row_problems as (
    select
        failed.source_row,
        {% call unnest_non_null('problem') -%}
            case
                when failed.model_id is null then {{ catalog_problem('model_id', "'is required'") }}
                when not failed.is_model_id_valid
                    then {{ catalog_problem('model_id', "'does not match [a-z0-9][a-z0-9._-]* (lower case, digits, . _ -)'") }}
            end,
            {%- for column in required %}
            case when failed.{{ column }} is null then {{ catalog_problem(column, "'is required'") }} end,
            {%- endfor %}
            case
                when failed.version is null then {{ catalog_problem('version', "'is required'") }}
                when not failed.is_version_valid
                    then {{ catalog_problem('version', "'is not dotted numbers like 3 or 3.1'") }}
            end,
            case
                when not failed.is_model_type_valid
                    then {{ catalog_problem('model_type', "'is not a config model_type ([a-z0-9_]+, e.g. qwen3_next)'") }}
            end,
            case
                when failed.release_date is null then {{ catalog_problem('release_date', "'is required'") }}
                when failed.release_date_value is null
                    then {{ catalog_problem('release_date', "'is not a real date written YYYY-MM-DD'") }}
                when not failed.is_release_date_past
                    then {{ catalog_problem('release_date', "'is in the future'") }}
            end,
            {%- for feature in label_features %}
            case
                when failed.{{ feature }} is null then {{ catalog_problem(feature, "'is required'") }}
                {%- set refused = "coalesce(failed." ~ feature ~ "_hint, " ~ feature ~ "_accepted.unknown_problem)" %}
                when failed.{{ feature }}_value is null then {{ catalog_problem(feature, refused) }}
            end,
            {%- endfor %}
            {%- for feature in optional_labels %}
            {%- set refused = "coalesce(failed." ~ feature ~ "_hint, " ~ feature ~ "_accepted.unknown_problem)" %}
            case
                when failed.{{ feature }} is not null and failed.{{ feature }}_value is null
                    then {{ catalog_problem(feature, refused) }}
            end,
            {%- endfor %}
            {%- for column, problem in numbers.items() %}
            case
                {%- if column in required_numbers %}
                when failed.{{ column }} is null then {{ catalog_problem(column, "'is required'") }}
                {%- endif %}
                when failed.{{ column }} is not null and failed.{{ column }}_value is null
                    then {{ catalog_problem(column, "'" ~ problem ~ "'") }}
            end{{ ',' if not loop.last }}
            {%- endfor %}
        -- `problem` in the lambda is its own argument, not a column
        {%- endcall %} as problem  -- noqa: RF02
    from failed
    {% for feature in label_features + optional_labels -%}
    left join accepted as {{ feature }}_accepted
        on {{ feature }}_accepted.feature = '{{ feature }}'
    {% endfor -%}
),

-- the repeated ids, found with a plain count: building the message below for every (unique)
-- id would aggregate the text of every row
repeated_ids as (
    select model_id
    from {{ ref('base_catalog') }}
    group by model_id
    having count(*) > 1
),

duplicate_ids as (
    select
        min(catalog.source_row) as source_row,
        'model_id ''' || catalog.model_id || ''' appears on ' || count(*) || ' rows (rows '
        || {{ ordered_string_agg('catalog.source_row::' ~ type_text(), "', '", 'catalog.source_row') }}
        || '): model_id must be unique' as problem
    from {{ ref('base_catalog') }} as catalog
    inner join repeated_ids
        on catalog.model_id = repeated_ids.model_id
    group by catalog.model_id
),

no_rows as (
    select
        0 as source_row,
        'the catalog has a header but no rows' as problem
    where not exists (select 1 from {{ ref('base_catalog') }})
),

problems as (
    select
        row_number() over (order by source_row, problem) as problem_order,
        source_row,
        problem
    from (
        select * from row_problems
        union all
        select * from duplicate_ids
        union all
        select * from no_rows
    ) as all_problems
),

final as (
    select
        listed.source_row,
        listed.problem
    from problems as listed
    where {{ stop_on_problems('problems', 'the catalog') }}
)

select * from final
