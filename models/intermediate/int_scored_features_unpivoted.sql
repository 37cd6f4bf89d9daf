-- Step 2a: the categorical features each scored model is weighted on, one row per
-- (model, feature). With moe_as_attention (the note's taxonomy) an MoE model with a common
-- attention (MHA, MQA, GQA) is scored as attention 'MoE'; a distinctive attention (MLA,
-- Hybrid, SSM) stays as it is. Without it, attention is scored as is and ffn is a 5th feature.
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

features as (
    select
        scored_models.model_id,
        'attention' as feature,
        {%- if moe_as_attention %}
        case
            when scored_models.ffn = 'MoE' and attention_kinds.is_common_attention then 'MoE'
            else scored_models.attention
        end as value
        {%- else %}
        scored_models.attention as value
        {%- endif %}
    from scored_models
    left join attention_kinds
        on scored_models.attention = attention_kinds.attention
    union all
    select
        model_id,
        'activation' as feature,
        activation as value
    from scored_models
    union all
    select
        model_id,
        'norm' as feature,
        norm as value
    from scored_models
    {%- if not moe_as_attention %}
    union all
    select
        model_id,
        'ffn' as feature,
        ffn as value
    from scored_models
    {%- endif %}
)

select * from features
