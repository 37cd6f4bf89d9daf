-- Step 2b: the weight of each (feature, value) over the N scored models:
-- weight = N / count(value). Rare values weigh a lot; the smallest possible weight is 1.
{%- set features = ['attention', 'activation', 'norm'] + ([] if setting('moe_as_attention') else ['ffn']) %}

with

scored_features as (
    select * from {{ ref('int_scored_features') }}
),

-- one row per (model, scored feature); attention is scored as attention_feature
feature_values as (
    unpivot (
        select
            model_id,
            attention_feature as attention,
            {{ features[1:] | join(', ') }}
        from scored_features
    )
    on {{ features | join(', ') }}
    into name feature value value
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
        cast(n_models as double) / model_count as weight
    from counted
)

select * from final
