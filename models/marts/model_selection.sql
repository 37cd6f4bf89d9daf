-- One row per selected model, by the selection_method in force: with top_n the note's top N
-- rarest of each size category plus every baseline; with coverage the baselines plus the
-- greedy's picks for the same budget.
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
        selection_method,
        selection_reason,
        pick_order,
        gain,
        traits_added
    from ranked_models
    where selection_reason is not null
)

select * from final
