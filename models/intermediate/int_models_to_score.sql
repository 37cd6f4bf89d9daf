-- Step 1's outcome: the models that enter scoring, the newest version of each (family, size_b)
-- plus every baseline, whole catalog rows. Its post-hook warns about a superseded baseline.
-- A table: the weights, the context weights, the ranking and superseded_models all read it,
-- and as a view each of them would redo step 1's sort of the whole catalog.
{{ config(materialized='table', post_hook="{{ warn_superseded_baselines() }}") }}

with

catalog as (
    select * from {{ ref('stg_catalog') }}
),

compared as (
    select * from {{ ref('int_catalog_versions_compared') }}
),

final as (
    select
        catalog.*,
        compared.is_baseline,
        compared.is_latest,
        compared.superseded_by,
        compared.is_scored
    from catalog
    inner join compared
        on catalog.model_id = compared.model_id
    where compared.is_scored
)

select * from final
