-- One row per (feature, value) scored: how many scored models have it, and its weight.
-- (Step 2 also weighs context bands, for the coverage selection; they are not scored.)
with

weights as (
    select * from {{ ref('int_feature_values_weighted') }}
    where feature != 'context_band'
),

final as (
    select
        feature,
        value,
        model_count,
        n_models,
        weight
    from weights
)

select * from final
