-- Step 4: each scored model's size category and rank in it (rarity_score descending, then
-- the newer release, then the smaller model_id); the top_n of each category are selected by
-- rarity, and every baseline is selected too. A model in no category is never ranked.
-- A narrow table (the scores and the ranking, not the catalog's columns): rarity_scores and
-- the coverage selection both read it, and as a view each would redo steps 2 to 4.
{{ config(materialized='table') }}

with

catalog_models as (
    select * from {{ ref('int_models_to_score') }}
),

scores as (
    select * from {{ ref('int_models_scored') }}
),

size_categories as (
    select * from {{ ref('stg_size_categories') }}
),

scored_models as (
    select
        catalog_models.model_id,
        catalog_models.model_name,
        catalog_models.size_b,
        catalog_models.release_date,
        catalog_models.is_baseline,
        scores.attention_feature,
        scores.context_band,
        {%- for feature in categorical_features() %}
        scores.weight_{{ feature }},
        {%- endfor %}
        scores.weight_context,
        scores.rarity_score,
        scores.rarity_tier
    from catalog_models
    inner join scores
        on catalog_models.model_id = scores.model_id
),

ranked as (
    select
        scored_models.*,
        size_categories.size_category,
        {% call as_bigint() -%}
        case
            when size_categories.size_category is not null
                then row_number() over (
                    partition by size_categories.size_category
                    order by scored_models.rarity_score desc, scored_models.release_date desc, scored_models.model_id asc
                )
        end
        {%- endcall %} as rank_in_category
    from scored_models
    left join size_categories
        on scored_models.size_b between size_categories.min_size_b and size_categories.max_size_b
),

final as (
    select
        *,
        case
            when rank_in_category <= {{ setting('top_n') }} and is_baseline then 'rarity+baseline'
            when rank_in_category <= {{ setting('top_n') }} then 'rarity'
            when is_baseline then 'baseline'
        end as selection_reason
    from ranked
)

select * from final
