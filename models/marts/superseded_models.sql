-- One row per catalog checkpoint dropped by the latest-version filter, with its successor.
with

compared as (
    select * from {{ ref('int_catalog_versions_compared') }}
),

final as (
    select
        dropped.model_id,
        dropped.model_name,
        dropped.family,
        dropped.size_b,
        dropped.version,
        dropped.release_date,
        dropped.superseded_by,
        successor.version as superseded_by_version,
        successor.release_date as superseded_by_release_date
    from compared as dropped
    inner join compared as successor
        on dropped.superseded_by = successor.model_id
    where not dropped.is_scored
)

select * from final
