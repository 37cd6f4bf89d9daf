-- Step 3: each scored model's weights side by side, its rarity score (the mean of its
-- weights) and its tier. The score formula lives here and only here.
{%- set moe_as_attention = setting('moe_as_attention') %}
{%- set features = ['attention', 'activation', 'norm'] + ([] if moe_as_attention else ['ffn']) %}

with

features as (
    select * from {{ ref('int_scored_features_unpivoted') }}
),

feature_weights as (
    select * from {{ ref('int_feature_values_weighted') }}
),

context_weights as (
    select * from {{ ref('int_context_weights_computed') }}
),

weights_by_model as (
    select
        features.model_id,
        {%- for feature in ['attention', 'activation', 'norm', 'ffn'] %}
        any_value(feature_weights.weight) filter (where features.feature = '{{ feature }}') as weight_{{ feature }},
        {%- endfor %}
        any_value(features.value) filter (where features.feature = 'attention') as attention_feature
    from features
    inner join feature_weights
        on
            features.feature = feature_weights.feature
            and features.value = feature_weights.value
    group by features.model_id
),

scored as (
    select
        weights_by_model.model_id,
        weights_by_model.attention_feature,
        {%- for feature in ['attention', 'activation', 'norm', 'ffn'] %}
        weights_by_model.weight_{{ feature }},
        {%- endfor %}
        context_weights.weight_context,
        (
            {%- for feature in features %}
            weights_by_model.weight_{{ feature }} +
            {%- endfor %}
            context_weights.weight_context
        ) / {{ features | length + 1 }} as rarity_score
    from weights_by_model
    inner join context_weights
        on weights_by_model.model_id = context_weights.model_id
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
