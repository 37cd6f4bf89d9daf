-- Step 3: each scored model's weights side by side, its rarity score (the mean of its
-- weights) and its tier. The score formula lives here and only here.
{%- set moe_as_attention = setting('moe_as_attention') %}
{%- set features = ['attention', 'activation', 'norm'] + ([] if moe_as_attention else ['ffn']) %}
{#- the column of int_scored_features each feature's value is in -#}
{%- set value_columns = {'attention': 'attention_feature', 'activation': 'activation', 'norm': 'norm', 'ffn': 'ffn'} %}

with

scored_features as (
    select * from {{ ref('int_scored_features') }}
),

feature_weights as (
    select * from {{ ref('int_feature_values_weighted') }}
),

context_weights as (
    select * from {{ ref('int_context_weights_computed') }}
),

-- each feature's weight looked up by the model's value (ffn has none unless it is scored)
weighted as (
    select
        scored_features.model_id,
        scored_features.attention_feature,
        {%- for feature in ['attention', 'activation', 'norm', 'ffn'] %}
        weight_{{ feature }}.weight as weight_{{ feature }},
        {%- endfor %}
        context_weights.weight_context
    from scored_features
    inner join context_weights
        on scored_features.model_id = context_weights.model_id
    {%- for feature in ['attention', 'activation', 'norm', 'ffn'] %}
    left join feature_weights as weight_{{ feature }}
        on
            weight_{{ feature }}.feature = '{{ feature }}'
            and scored_features.{{ value_columns[feature] }} = weight_{{ feature }}.value
    {%- endfor %}
),

scored as (
    select
        *,
        (
            {%- for feature in features %}
            weight_{{ feature }} +
            {%- endfor %}
            weight_context
        ) / {{ features | length + 1 }} as rarity_score
    from weighted
),

final as (
    select
        *,
        case
            when rarity_score > {{ setting('tier_high') }} then 'high'
            when rarity_score >= {{ setting('tier_moderate') }} then 'moderate'
            else 'low'
        end as rarity_tier
    from scored
)

select * from final
