-- depends_on: {{ ref('catalog') }}
-- A table, not a view: the validation below runs once, at this node, and stops the build here.
{{ config(materialized='table') }}

{%- set label_features = ['attention', 'ffn', 'activation', 'norm'] %}
{%- set optional_whole_numbers = ['num_attention_heads', 'num_key_value_heads', 'kv_lora_rank',
    'max_position_embeddings', 'num_experts', 'experts_per_token'] %}

with

raw_catalog as (
    {{ select_raw_catalog() }}
),

labels as (
    select * from {{ ref('stg_vocabulary') }}
),

-- each feature's canonical values, listed in the message for an unknown label
accepted as (
    select
        any_value(accepted_values) filter (where feature = 'attention') as attention_accepted,
        any_value(accepted_values) filter (where feature = 'ffn') as ffn_accepted,
        any_value(accepted_values) filter (where feature = 'activation') as activation_accepted,
        any_value(accepted_values) filter (where feature = 'norm') as norm_accepted
    from labels
),

-- not materialized: inlined into the check and into the output, each of which reads only the
-- columns it needs; materialising every raw and parsed column of every row costs more
typed as not materialized (
    select
        raw_catalog.*,
        {{ positive_number('raw_catalog.size_b') }} as size_b_value,
        {{ positive_number('raw_catalog.context_window', whole=true) }} as context_window_value,
        {{ positive_number('raw_catalog.total_params_b') }} as total_params_b_value,
        {{ positive_number('raw_catalog.active_params_b') }} as active_params_b_value,
        {%- for column in optional_whole_numbers %}
        {{ positive_number('raw_catalog.' ~ column, whole=true) }} as {{ column }}_value,
        {%- endfor %}
        {%- for feature in label_features %}
        {{ feature }}_label.value as {{ feature }}_value,
        coalesce(
            {{ feature }}_label.hint,
            'is not in the vocabulary (accepted: ' || accepted.{{ feature }}_accepted
            || '; extend seeds/vocabulary.csv or seeds/vocabulary_aliases.csv)'
        ) as {{ feature }}_problem,
        {%- endfor %}
        case
            when regexp_matches(raw_catalog.release_date, '^\d{4}-\d{2}-\d{2}')
                then try_cast(raw_catalog.release_date as date)
        end as release_date_value
    from raw_catalog
    cross join accepted
    {% for feature in label_features -%}
    left join labels as {{ feature }}_label
        on
            {{ feature }}_label.feature = '{{ feature }}'
            and lower(raw_catalog.{{ feature }}) = {{ feature }}_label.label_key
    {% endfor -%}
),

row_problems as (
    select
        source_row,
        unnest(list_filter([
            case
                when model_id is null then {{ catalog_problem('model_id', "'is required'") }}
                when not regexp_full_match(model_id, '[a-z0-9][a-z0-9._-]*')
                    then {{ catalog_problem('model_id', "'does not match [a-z0-9][a-z0-9._-]* (lower case, digits, . _ -)'") }}
            end,
            case when model_name is null then {{ catalog_problem('model_name', "'is required'") }} end,
            case when family is null then {{ catalog_problem('family', "'is required'") }} end,
            case
                when version is null then {{ catalog_problem('version', "'is required'") }}
                when not regexp_full_match(version, '\d+(\.\d+)*')
                    then {{ catalog_problem('version', "'is not dotted numbers like 3 or 3.1'") }}
            end,
            case
                when size_b is null then {{ catalog_problem('size_b', "'is required'") }}
                when size_b_value is null
                    then {{ catalog_problem('size_b', "'is not a number of billions > 0 (write 12, not 12B)'") }}
            end,
            case
                when release_date is null then {{ catalog_problem('release_date', "'is required'") }}
                when release_date_value is null
                    then {{ catalog_problem('release_date', "'is not a real date written YYYY-MM-DD'") }}
            end,
            {%- for feature in label_features %}
            case
                when {{ feature }} is null then {{ catalog_problem(feature, "'is required'") }}
                when {{ feature }}_value is null then {{ catalog_problem(feature, feature ~ '_problem') }}
            end,
            {%- endfor %}
            case
                when context_window is null then {{ catalog_problem('context_window', "'is required'") }}
                when context_window_value is null
                    then {{ catalog_problem('context_window', "'is not a whole number of tokens > 0 (write 131072, not 128K)'") }}
            end,
            {%- for column in ['total_params_b', 'active_params_b'] %}
            case
                when {{ column }} is not null and {{ column }}_value is null
                    then {{ catalog_problem(column, "'is not a number of billions > 0'") }}
            end,
            {%- endfor %}
            {%- for column in optional_whole_numbers %}
            case
                when {{ column }} is not null and {{ column }}_value is null
                    then {{ catalog_problem(column, "'is not a whole number > 0'") }}
            end{{ ',' if not loop.last }}
            {%- endfor %}
        ], problem -> problem is not null)) as problem
    from typed
),

-- the repeated ids, found with a plain count: building the message below for every (unique)
-- id would aggregate the text of every row
repeated_ids as (
    select model_id
    from raw_catalog
    group by model_id
    having count(*) > 1
),

duplicate_ids as (
    select
        min(raw_catalog.source_row) as source_row,
        'model_id ''' || raw_catalog.model_id || ''' appears on ' || count(*) || ' rows (rows '
        || string_agg(raw_catalog.source_row::varchar, ', ' order by raw_catalog.source_row)
        || '): model_id must be unique' as problem
    from raw_catalog
    inner join repeated_ids
        on raw_catalog.model_id = repeated_ids.model_id
    group by raw_catalog.model_id
),

no_rows as (
    select
        0 as source_row,
        'the catalog has a header but no rows' as problem
    where not exists (select 1 from raw_catalog)
),

problems as (
    select
        row_number() over (order by source_row, problem) as problem_order,
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
        -- ids
        model_id,
        model_name,
        family,
        -- version and dates
        version,
        release_date_value as release_date,
        -- size
        size_b_value as size_b,
        total_params_b_value as total_params_b,
        active_params_b_value as active_params_b,
        -- architecture labels (canonical vocabulary values)
        attention_value as attention,
        ffn_value as ffn,
        activation_value as activation,
        norm_value as norm,
        context_window_value as context_window,
        -- config.json facts behind the labels
        num_attention_heads_value as num_attention_heads,
        num_key_value_heads_value as num_key_value_heads,
        kv_lora_rank_value as kv_lora_rank,
        hidden_act,
        max_position_embeddings_value as max_position_embeddings,
        num_experts_value as num_experts,
        experts_per_token_value as experts_per_token,
        source_url
    from typed
    where {{ stop_on_problems('problems', 'the catalog') }}
)

select * from final
