-- One row per scored model: its catalog facts, every weight, its rarity score and tier, its
-- size category, rank and whether (and why) it is selected.
with

ranked_models as (
    select * from {{ ref('int_models_selected_by_category') }}
),

final as (
    select
        -- ids
        model_id,
        model_name,
        family,
        version,
        size_b,
        release_date,
        -- architecture
        attention,
        ffn,
        activation,
        norm,
        context_window,
        -- config.json facts
        total_params_b,
        active_params_b,
        num_attention_heads,
        num_key_value_heads,
        kv_lora_rank,
        hidden_act,
        max_position_embeddings,
        num_experts,
        experts_per_token,
        source_url,
        -- scoring
        attention_feature,
        weight_attention,
        weight_activation,
        weight_norm,
        weight_ffn,
        weight_context,
        rarity_score,
        rarity_tier,
        -- selection
        size_category,
        rank_in_category,
        is_baseline,
        selection_reason,
        superseded_by
    from ranked_models
)

select * from final
