-- One row per scored model: its catalog facts, every weight, its rarity score and tier, its
-- size category, rank and whether (and why) it is selected by the selection_method in force.
-- depends_on: {{ ref('int_models_selected_by_coverage') }}
{%- set method = setting('selection_method') %}

with

ranked_models as (
    select * from {{ ref('int_models_selected_by_category') }}
),

{%- if method == 'coverage' %}

-- the coverage method's verdicts, read only when that method is in force
coverage as (
    select * from {{ ref('int_models_selected_by_coverage') }}
),
{%- endif %}

final as (
    select
        -- ids
        ranked_models.model_id,
        ranked_models.model_name,
        ranked_models.family,
        ranked_models.version,
        ranked_models.size_b,
        ranked_models.release_date,
        -- architecture
        ranked_models.attention,
        ranked_models.ffn,
        ranked_models.activation,
        ranked_models.norm,
        ranked_models.context_window,
        -- config.json facts
        ranked_models.total_params_b,
        ranked_models.active_params_b,
        ranked_models.num_attention_heads,
        ranked_models.num_key_value_heads,
        ranked_models.kv_lora_rank,
        ranked_models.hidden_act,
        ranked_models.max_position_embeddings,
        ranked_models.num_experts,
        ranked_models.experts_per_token,
        ranked_models.source_url,
        -- finer architecture facts
        ranked_models.attention_window,
        ranked_models.sliding_window,
        ranked_models.position_encoding,
        ranked_models.qk_norm,
        ranked_models.tie_word_embeddings,
        ranked_models.num_hidden_layers,
        ranked_models.hidden_size,
        ranked_models.vocab_size,
        -- scoring
        ranked_models.attention_feature,
        ranked_models.weight_attention,
        ranked_models.weight_activation,
        ranked_models.weight_norm,
        ranked_models.weight_ffn,
        {%- for feature in extra_feature_names() %}
        ranked_models.weight_{{ feature }},
        {%- endfor %}
        ranked_models.weight_context,
        ranked_models.rarity_score,
        ranked_models.rarity_tier,
        ranked_models.context_band,
        -- selection
        ranked_models.size_category,
        ranked_models.rank_in_category,
        ranked_models.is_baseline,
        '{{ method }}' as selection_method,
        {%- if method == 'coverage' %}
        coverage.coverage_reason as selection_reason,
        coverage.pick_order,
        coverage.gain,
        coverage.traits_added,
        {%- else %}
        ranked_models.selection_reason,
        cast(null as bigint) as pick_order,
        cast(null as double) as gain,
        cast(null as varchar) as traits_added,
        {%- endif %}
        ranked_models.superseded_by
    from ranked_models
    {%- if method == 'coverage' %}
    left join coverage
        on ranked_models.model_id = coverage.model_id
    {%- endif %}
)

select * from final
