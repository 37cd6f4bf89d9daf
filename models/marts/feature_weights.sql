-- One row per (feature, value) scored: how many scored models have it, and its weight.
with

weights as (
    select * from {{ ref('int_feature_values_weighted') }}
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
