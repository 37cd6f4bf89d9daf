-- depends_on: {{ ref('stg_catalog_problems') }}
-- Each checkpoint's identity and version, typed: what the latest-version filter compares and
-- superseded_models lists. The same rows as stg_catalog without the architecture, so its
-- readers skip the vocabulary lookups; read, like stg_catalog, only after the check passed.
with

catalog as (
    select * from {{ ref('base_catalog') }}
),

final as (
    select
        model_id,
        model_name,
        family,
        version,
        release_date_value as release_date,
        size_b_value as size_b
    from catalog
)

select * from final
