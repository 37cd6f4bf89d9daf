-- One row per selected model: the top_n rarest of each size category plus every baseline.
with

ranked_models as (
    select * from {{ ref('rarity_scores') }}
),

final as (
    select
        size_category,
        rank_in_category,
        model_id,
        model_name,
        family,
        size_b,
        attention_feature,
        activation,
        norm,
        context_window,
        rarity_score,
        rarity_tier,
        is_baseline,
        selection_reason
    from ranked_models
    where selection_reason is not null
)

select * from final
