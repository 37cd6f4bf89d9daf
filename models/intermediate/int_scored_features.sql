-- Step 2a: the categorical values each scored model is weighted on, one row per model, plus
-- its context band (a coverage trait). With moe_as_attention (the note's taxonomy) an MoE
-- model with a common attention (MHA, MQA, GQA) is scored as attention 'MoE'; a distinctive
-- attention (MLA, Hybrid, SSM) stays as it is. Without it, attention is scored as is and ffn
-- is a feature of its own. A feature that is not scored is null here.
-- A scored model without a value for a scored extra feature stops the build, naming both.
-- A table: the weights, the score and the coverage selection all read it (as a view each would
-- redo it, and the chain of views before rarity_scores would be six deep).
{{ config(materialized='table') }}
{%- set moe_as_attention = setting('moe_as_attention') %}
{%- set scored = scored_features() %}

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
        {%- for feature in ['ffn'] + extra_feature_names() %}
        {%- if feature in scored %}
        cast(scored_models.{{ feature }} as {{ type_text() }}) as {{ feature }},
        {%- else %}
        cast(null as {{ type_text() }}) as {{ feature }},
        {%- endif %}
        {%- endfor %}
        {{ context_band('scored_models.context_window') }} as context_band
    from scored_models
    left join attention_kinds
        on scored_models.attention = attention_kinds.attention
),

{%- set extras = setting('extra_features') %}
{%- if extras %}

problems as (
    select
        row_number() over (order by model_id, feature) as problem_order,
        'model ''' || model_id || ''' has no ' || feature || ', which extra_features scores: '
        || 'fill it in the catalog, or remove ' || feature || ' from extra_features' as problem
    from (
        {%- for feature in extras %}
        select
            model_id,
            '{{ feature }}' as feature
        from features
        where {{ feature }} is null
        {{- '\n        union all' if not loop.last }}
        {%- endfor %}
    ) as missing
),
{%- endif %}

final as (
    select *
    from features
    {%- if extras %}
    where {{ stop_on_problems('problems', 'the scored extra features') }}
    {%- endif %}
)

select * from final
