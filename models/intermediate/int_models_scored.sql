-- Step 3: each scored model's weights side by side, its rarity score (the mean of its
-- weights) and its tier. The score formula lives here and only here.
{%- set scored = scored_features() %}

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

-- each scored feature's weight looked up by the model's value; a feature not scored has none
weighted as (
    select
        scored_features.model_id,
        scored_features.attention_feature,
        scored_features.context_band,
        {%- for feature in categorical_features() %}
        {%- if feature in scored %}
        weight_{{ feature }}.weight as weight_{{ feature }},
        {%- else %}
        cast(null as {{ type_double() }}) as weight_{{ feature }},
        {%- endif %}
        {%- endfor %}
        context_weights.weight_context
    from scored_features
    inner join context_weights
        on scored_features.model_id = context_weights.model_id
    {%- for feature in scored %}
    left join feature_weights as weight_{{ feature }}
        on
            weight_{{ feature }}.feature = '{{ feature }}'
            and scored_features.{{ feature_column(feature) }} = weight_{{ feature }}.value
    {%- endfor %}
),

scored as (
    select
        *,
        -- the categorical weights in their scored order, then the context weight
        (
            {%- for feature in scored %}
            weight_{{ feature }} +
            {%- endfor %}
            weight_context
        ) / {{ scored | length + 1 }} as rarity_score
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
