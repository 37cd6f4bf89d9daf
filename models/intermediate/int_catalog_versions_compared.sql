-- Step 1, latest-version filter: within each (family, size_b) only the newest version is
-- scored; the others name the model that superseded them. Baselines are exempt: a superseded
-- baseline stays scored (int_models_to_score warns about it). One narrow row per catalog row,
-- the verdict alone: int_models_to_score joins the catalog's columns to the scored rows only.

with

catalog as (
    select * from {{ ref('stg_catalog_versions') }}
),

baselines as (
    select * from {{ ref('stg_baselines') }}
),

-- The window sorts the keys alone; the catalog's other columns are joined back afterwards
-- (a window carries every column it is given through its sort).
keyed as (
    select
        model_id,
        size_b,
        release_date,
        -- family grouped case-insensitively
        lower(family) as family_key,
        -- version compared segment by segment as integers; trailing .0 segments dropped so 3 = 3.0
        {{ version_key('version') }} as version_key
    from catalog
),

compared as (
    select
        model_id,
        first_value(model_id) over newest_first as latest_model_id,
        row_number() over newest_first = 1 as is_latest
    from keyed
    window newest_first as (
        partition by family_key, size_b
        -- the higher version, then the newer release, then the smaller model_id
        order by version_key desc, release_date desc, model_id asc
    )
),

final as (
    select
        compared.model_id,
        baselines.model_id is not null as is_baseline,
        compared.is_latest,
        case when not compared.is_latest then compared.latest_model_id end as superseded_by,
        compared.is_latest or baselines.model_id is not null as is_scored
    from compared
    left join baselines
        on compared.model_id = baselines.model_id
)

select * from final
