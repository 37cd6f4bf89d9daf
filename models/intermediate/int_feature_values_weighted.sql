-- Step 2b: the weight of each (feature, value) over the N scored models:
-- weight = N / count(value). Rare values weigh a lot; the smallest possible weight is 1.
-- The same rule weighs each context band, the coverage selection's one numeric trait
-- (feature 'context_band'); it is not part of the rarity score.
{%- set features = trait_features() %}

with

scored_features as (
    select * from {{ ref('int_scored_features') }}
),

-- one row per (model, trait feature); attention is scored as attention_feature
feature_values as (
    {% call unpivot(['model_id'], features) -%}
    (
        select
            model_id,
            {%- for feature in scored_features() %}
            cast({{ feature_column(feature) }} as {{ type_text() }}) as {{ feature }},
            {%- endfor %}
            cast(context_band as {{ type_text() }}) as context_band
        from scored_features
    )
    {%- endcall %}
),

counted as (
    select
        feature,
        value,
        count(*) as model_count,
        -- every scored model has exactly one value per feature, so this is N
        sum(count(*)) over (partition by feature) as n_models
    from feature_values
    group by feature, value
),

final as (
    select
        feature,
        value,
        model_count,
        cast(n_models as bigint) as n_models,
        cast(n_models as {{ type_double() }}) / model_count as weight
    from counted
)

select * from final
