-- Step 1, latest-version filter: within each (family, size_b) only the newest version is
-- scored; the others name the model that superseded them. Baselines are exempt: a superseded
-- baseline stays scored, and the post-hook warns about it.
{{ config(post_hook="{{ warn_superseded_baselines() }}") }}

with

catalog as (
    select * from {{ ref('stg_catalog') }}
),

baselines as (
    select * from {{ ref('stg_baselines') }}
),

keyed as (
    select
        *,
        -- family grouped case-insensitively
        lower(family) as family_key,
        -- version compared segment by segment as integers; trailing .0 segments dropped so 3 = 3.0
        list_transform(
            string_split(regexp_replace(version, '(\.0+)+$', ''), '.'),
            segment -> cast(segment as hugeint)
        ) as version_key
    from catalog
),

compared as (
    select
        keyed.*,
        baselines.model_id is not null as is_baseline,
        first_value(keyed.model_id) over newest_first as latest_model_id,
        row_number() over newest_first = 1 as is_latest
    from keyed
    left join baselines
        on keyed.model_id = baselines.model_id
    window newest_first as (
        partition by keyed.family_key, keyed.size_b
        -- the higher version, then the newer release, then the smaller model_id
        order by keyed.version_key desc, keyed.release_date desc, keyed.model_id asc
    )
),

final as (
    select
        * exclude (latest_model_id, family_key, version_key),
        case when not is_latest then latest_model_id end as superseded_by,
        is_latest or is_baseline as is_scored
    from compared
)

select * from final
