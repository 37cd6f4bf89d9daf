-- Step 2b: the weight of each (feature, value) over the N scored models:
-- weight = N / count(value). Rare values weigh a lot; the smallest possible weight is 1.
with

features as (
    select * from {{ ref('int_scored_features_unpivoted') }}
),

counted as (
    select
        feature,
        value,
        count(*) as model_count,
        -- every scored model has exactly one value per feature, so this is N
        sum(count(*)) over (partition by feature) as n_models
    from features
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
