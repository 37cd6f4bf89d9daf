-- One row per (selection method, selected model): both methods' selections side by side,
-- whichever selection_method model_selection holds.
with

models as (
    select * from {{ ref('int_models_selected_by_coverage') }}
),

final as (
    select
        'top_n' as selection_method,
        size_category,
        model_id,
        model_name,
        rank_in_category,
        rarity_score,
        rarity_tier,
        is_baseline,
        top_n_reason as selection_reason,
        cast(null as bigint) as pick_order,
        cast(null as {{ type_double() }}) as gain,
        cast(null as {{ type_text() }}) as traits_added,
        signature
    from models
    where top_n_reason is not null
    union all
    select
        'coverage' as selection_method,
        size_category,
        model_id,
        model_name,
        rank_in_category,
        rarity_score,
        rarity_tier,
        is_baseline,
        coverage_reason as selection_reason,
        pick_order,
        gain,
        traits_added,
        signature
    from models
    where coverage_reason is not null
)

select * from final
