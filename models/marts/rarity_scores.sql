-- One row per scored model: its catalog facts, every weight, its rarity score and tier, its
-- size category, rank and whether (and why) it is selected by the selection_method in force.
-- depends_on: {{ ref('int_models_selected_by_coverage') }}
{%- set method = setting('selection_method') %}

with

catalog_models as (
    select * from {{ ref('int_models_to_score') }}
),

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
        catalog_models.model_id,
        catalog_models.model_name,
        catalog_models.family,
        catalog_models.version,
        catalog_models.size_b,
        catalog_models.release_date,
        -- architecture
        catalog_models.attention,
        catalog_models.ffn,
        catalog_models.activation,
        catalog_models.norm,
        catalog_models.context_window,
        -- config.json facts
        catalog_models.total_params_b,
        catalog_models.active_params_b,
        catalog_models.num_attention_heads,
        catalog_models.num_key_value_heads,
        catalog_models.kv_lora_rank,
        catalog_models.hidden_act,
        catalog_models.max_position_embeddings,
        catalog_models.num_experts,
        catalog_models.experts_per_token,
        catalog_models.source_url,
        -- finer architecture facts
        catalog_models.attention_window,
        catalog_models.sliding_window,
        catalog_models.position_encoding,
        catalog_models.qk_norm,
        catalog_models.tie_word_embeddings,
        catalog_models.num_hidden_layers,
        catalog_models.hidden_size,
        catalog_models.vocab_size,
        catalog_models.model_type,
        catalog_models.sequence_mixer,
        catalog_models.norm_placement,
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
        catalog_models.is_baseline,
        '{{ method }}' as selection_method,
        {%- if method == 'coverage' %}
        coverage.coverage_reason as selection_reason,
        coverage.pick_order,
        coverage.gain,
        coverage.traits_added,
        {%- else %}
        ranked_models.selection_reason,
        cast(null as bigint) as pick_order,
        cast(null as {{ type_double() }}) as gain,
        cast(null as {{ type_text() }}) as traits_added,
        {%- endif %}
        catalog_models.superseded_by
    from catalog_models
    inner join ranked_models
        on catalog_models.model_id = ranked_models.model_id
    {%- if method == 'coverage' %}
    left join coverage
        on catalog_models.model_id = coverage.model_id
    {%- endif %}
)

select * from final
