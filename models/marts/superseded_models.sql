-- One row per catalog checkpoint dropped by the latest-version filter, with its successor.
-- Step 1 kept the newest version of each (family, size_b) and the baselines; every other
-- catalog row was dropped, and its successor is the newest of its (family, size_b). Found
-- with two hash joins on step 1's table rather than by sorting the whole catalog again.
with

catalog as (
    select * from {{ ref('stg_catalog_versions') }}
),

scored_models as (
    select * from {{ ref('int_models_to_score') }}
),

newest as (
    select * from scored_models
    where is_latest
),

final as (
    select
        catalog.model_id,
        catalog.model_name,
        catalog.family,
        catalog.size_b,
        catalog.version,
        catalog.release_date,
        newest.model_id as superseded_by,
        newest.version as superseded_by_version,
        newest.release_date as superseded_by_release_date
    from catalog
    inner join newest
        on
            lower(catalog.family) = lower(newest.family)
            and catalog.size_b = newest.size_b
    {{ anti_join('scored_models', 'catalog.model_id = scored_models.model_id') }}
    {{ anti_join_filter('scored_models.model_id') }}
)

select * from final
