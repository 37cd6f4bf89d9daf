-- depends_on: {{ ref('stg_catalog_problems') }}
-- The catalog, typed and in canonical labels: one row per checkpoint. It is read only after
-- stg_catalog_problems has found no problem (the depends_on above), so every value here is
-- present and valid.
with

catalog as (
    {{ canonical_labels(ref('base_catalog')) }}
),

final as (
    select
        -- ids
        model_id,
        model_name,
        family,
        -- version and dates
        version,
        release_date_value as release_date,
        -- size
        size_b_value as size_b,
        total_params_b_value as total_params_b,
        active_params_b_value as active_params_b,
        -- architecture labels (canonical vocabulary values)
        attention_value as attention,
        ffn_value as ffn,
        activation_value as activation,
        norm_value as norm,
        context_window_value as context_window,
        -- config.json facts behind the labels
        num_attention_heads_value as num_attention_heads,
        num_key_value_heads_value as num_key_value_heads,
        kv_lora_rank_value as kv_lora_rank,
        hidden_act,
        max_position_embeddings_value as max_position_embeddings,
        num_experts_value as num_experts,
        experts_per_token_value as experts_per_token,
        source_url,
        -- finer architecture facts (optional)
        attention_window_value as attention_window,
        sliding_window_value as sliding_window,
        position_encoding_value as position_encoding,
        cast(qk_norm_value as boolean) as qk_norm,
        cast(tie_word_embeddings_value as boolean) as tie_word_embeddings,
        num_hidden_layers_value as num_hidden_layers,
        hidden_size_value as hidden_size,
        vocab_size_value as vocab_size,
        -- what the architecture's code does (seeds/architecture_rules.csv is keyed by model_type)
        model_type,
        sequence_mixer_value as sequence_mixer,
        norm_placement_value as norm_placement
    from catalog
)

select * from final
