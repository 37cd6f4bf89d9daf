-- Step 2a: the categorical values each scored model is weighted on, one row per model. With
-- moe_as_attention (the note's taxonomy) an MoE model with a common attention (MHA, MQA, GQA)
-- is scored as attention 'MoE'; a distinctive attention (MLA, Hybrid, SSM) stays as it is.
-- Without it, attention is scored as is and ffn is a 4th categorical feature.
{%- set moe_as_attention = setting('moe_as_attention') %}

with

scored_models as (
    select * from {{ ref('int_models_to_score') }}
),

attention_kinds as (
    select distinct
        value as attention,
        is_common_attention
    from {{ ref('stg_vocabulary') }}
    where feature = 'attention' and value is not null
),

final as (
    select
        scored_models.model_id,
        {%- if moe_as_attention %}
        case
            when scored_models.ffn = 'MoE' and attention_kinds.is_common_attention then 'MoE'
            else scored_models.attention
        end as attention_feature,
        {%- else %}
        scored_models.attention as attention_feature,
        {%- endif %}
        scored_models.activation,
        scored_models.norm,
        {%- if moe_as_attention %}
        cast(null as varchar) as ffn
        {%- else %}
        scored_models.ffn
        {%- endif %}
    from scored_models
    left join attention_kinds
        on scored_models.attention = attention_kinds.attention
)

select * from final
