-- Nothing is silently dropped: every catalog row is in exactly one of rarity_scores and
-- superseded_models.
with

catalog as (
    select model_id from {{ ref('stg_catalog_versions') }}
),

placed as (
    select model_id from {{ ref('rarity_scores') }}
    union all
    select model_id from {{ ref('superseded_models') }}
)

select
    catalog.model_id,
    count(placed.model_id) as times_placed
from catalog
left join placed
    on catalog.model_id = placed.model_id
group by catalog.model_id
having count(placed.model_id) != 1
