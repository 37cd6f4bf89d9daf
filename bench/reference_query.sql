-- The project's scores in one hand-written DuckDB query, read directly from a catalog file:
-- the yardstick bench/run.py holds the dbt models against (same rarity_score per model_id to
-- 1e-9). Defaults only: moe_as_attention true, no baselines (the benchmark runs pass
-- `baselines: []`), labels already canonical (the generated catalog writes them so).
--
--   set variable catalog_path = 'bench/out/catalog-n1000000-seed42-v2.parquet';
--   .read bench/reference_query.sql
with

catalog as (
    select
        model_id,
        lower(family) as family_key,
        size_b,
        release_date,
        attention,
        ffn,
        activation,
        norm,
        context_window,
        -- 3.10 > 3.9 and 3 = 3.0: integer segments, trailing .0 segments dropped
        list_transform(
            string_split(regexp_replace(version, '(\.0+)+$', ''), '.'),
            lambda segment: cast(segment as hugeint)
        ) as version_key
    from read_parquet(getvariable('catalog_path'))
),

-- step 1: the newest version per (family, size_b); then newer release, then smaller model_id
scored_models as materialized (
    select
        model_id,
        -- MoE folded into a common attention (MHA, MQA, GQA)
        case
            when ffn = 'MoE' and attention in ('MHA', 'MQA', 'GQA') then 'MoE'
            else attention
        end as attention_feature,
        activation,
        norm,
        context_window
    from catalog
    qualify row_number() over (
        partition by family_key, size_b
        order by version_key desc, release_date desc, model_id asc
    ) = 1
),

-- step 2: N, the largest context, and the number of distinct attention values (= the mean
-- attention weight)
totals as (
    select
        cast(count(*) as double) as n_models,
        max(context_window) as max_context_window,
        count(distinct attention_feature) as n_attention_values
    from scored_models
),

attention_counts as (
    select
        attention_feature,
        count(*) as model_count
    from scored_models
    group by attention_feature
),

activation_counts as (
    select
        activation,
        count(*) as model_count
    from scored_models
    group by activation
),

norm_counts as (
    select
        norm,
        count(*) as model_count
    from scored_models
    group by norm
)

-- step 3: the mean of the three categorical weights N / count and the context weight
select
    scored_models.model_id,
    (
        totals.n_models / attention_counts.model_count
        + totals.n_models / activation_counts.model_count
        + totals.n_models / norm_counts.model_count
        + scored_models.context_window / totals.max_context_window * totals.n_attention_values
    ) / 4 as rarity_score
from scored_models
cross join totals
inner join attention_counts
    on scored_models.attention_feature = attention_counts.attention_feature
inner join activation_counts
    on scored_models.activation = activation_counts.activation
inner join norm_counts
    on scored_models.norm = norm_counts.norm
