-- Per size category: min(top_n, models in the category) selected by rarity, and at most
-- top_n plus the category's baselines selected in all.
with

scores as (
    select * from {{ ref('rarity_scores') }}
    where size_category is not null
),

per_category as (
    select
        size_category,
        count(*) as n_models,
        count(*) filter (where is_baseline) as n_baselines,
        count(*) filter (where selection_reason in ('rarity', 'rarity+baseline')) as n_by_rarity,
        count(selection_reason) as n_selected
    from scores
    group by size_category
)

select *
from per_category
where
    n_by_rarity != least({{ setting('top_n') }}, n_models)
    or n_selected > {{ setting('top_n') }} + n_baselines
