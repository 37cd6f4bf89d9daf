-- Per size category: min(top_n, models in the category) selected by rarity, at most top_n
-- plus the category's baselines selected in all; and the coverage method spends exactly the
-- same budget as the top_n method.
with

scores as (
    select * from {{ ref('rarity_scores') }}
    where size_category is not null
),

picks as (
    select * from {{ ref('selection_picks') }}
),

per_category as (
    select
        size_category,
        count(*) as n_models,
        count(case when is_baseline then 1 end) as n_baselines
    from scores
    group by size_category
),

per_method as (
    select
        size_category,
        count(case when selection_method = 'top_n' and selection_reason in ('rarity', 'rarity+baseline') then 1 end)
            as n_by_rarity,
        count(case when selection_method = 'top_n' then 1 end) as n_top_n,
        count(case when selection_method = 'coverage' then 1 end) as n_coverage
    from picks
    group by size_category
)

select
    per_category.*,
    per_method.n_by_rarity,
    per_method.n_top_n,
    per_method.n_coverage
from per_category
left join per_method
    on per_category.size_category = per_method.size_category
where
    coalesce(per_method.n_by_rarity, 0) != least({{ setting('top_n') }}, per_category.n_models)
    or coalesce(per_method.n_top_n, 0) > {{ setting('top_n') }} + per_category.n_baselines
    or coalesce(per_method.n_coverage, 0) != coalesce(per_method.n_top_n, 0)
