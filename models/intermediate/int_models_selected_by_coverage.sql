-- Step 4, coverage: per size category, the same budget as the top_n method spent on covering
-- architecture traits (SPEC.md, "Step 4, coverage"). A trait is one (feature, value) of a
-- scored feature, or the context band; its weight is N / count, as in step 2. The category's
-- baselines come first; then, until the budget is spent, the model whose traits not yet
-- covered weigh the most (its gain), ties to a signature not yet selected, then rarity_score,
-- release_date, model_id. Greedy weighted coverage reaches at least 1 - 1/e of the best.
--
-- Models with one signature (the tuple of their traits) are interchangeable up to the tie
-- order, so the greedy runs over the categories' distinct signatures, a small set even for
-- millions of models. Each pick is one step, unrolled at compile time: a category picks at
-- most top_n models beyond its baselines (its budget is top_n plus the baselines not in its
-- top_n), so top_n steps always suffice. Plain joins per step, no recursion: it reads the
-- same on every adapter.
-- One row per scored model in a size category, with both methods' verdicts, so the marts that
-- compare the methods read one relation.
{{ config(materialized='table') }}

{%- set traits = trait_features() %}
{%- set steps = setting('top_n') %}

with

ranked_models as (
    select * from {{ ref('int_models_selected_by_category') }}
    where size_category is not null
),

scored_features as (
    select * from {{ ref('int_scored_features') }}
),

trait_weights as (
    select * from {{ ref('int_feature_values_weighted') }}
),

-- each categorised model with its traits and its signature, written out as text
models as (
    select
        ranked_models.model_id,
        ranked_models.model_name,
        ranked_models.size_category,
        ranked_models.rank_in_category,
        ranked_models.release_date,
        ranked_models.rarity_score,
        ranked_models.rarity_tier,
        ranked_models.is_baseline,
        ranked_models.selection_reason as top_n_reason,
        {%- for feature in categorical_features() + ['context_band'] %}
        scored_features.{{ feature_column(feature) }},
        {%- endfor %}
        -- the signature: every trait as feature=value, in feature order (context_band is last)
        {%- for feature in scored_features() %}
        '{{ feature }}=' || cast(scored_features.{{ feature_column(feature) }} as {{ type_text() }}) || ', ' ||
        {%- endfor %}
        'context_band=' || cast(scored_features.context_band as {{ type_text() }}) as signature
    from ranked_models
    inner join scored_features
        on ranked_models.model_id = scored_features.model_id
),

-- the distinct signatures of each category, and whether a baseline already has one
signatures as (
    select
        size_category,
        signature,
        {%- for feature in traits %}
        {{ feature_column(feature) }},
        {%- endfor %}
        max(case when is_baseline then 1 else 0 end) = 1 as has_baseline
    from models
    group by
        size_category,
        signature,
        {%- for feature in scored_features() %}
        {{ feature_column(feature) }},
        {%- endfor %}
        context_band
),

-- each signature's traits with their weights, one row per (signature, trait)
signature_traits as (
    {%- for feature in traits %}
    select
        signatures.size_category,
        signatures.signature,
        signatures.has_baseline,
        {{ loop.index }} as feature_order,
        trait_weights.feature,
        trait_weights.value,
        trait_weights.weight
    from signatures
    inner join trait_weights
        on
            trait_weights.feature = '{{ feature }}'
            and cast(signatures.{{ feature_column(feature) }} as {{ type_text() }}) = trait_weights.value
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

-- the non-baseline models of each signature in the tie order; only the first top_n can be picked
members as (
    {% call qualify('member_rank <= ' ~ steps) -%}
    select
        size_category,
        signature,
        model_id,
        rarity_score,
        release_date,
        row_number() over (
            partition by size_category, signature
            order by rarity_score desc, release_date desc, model_id asc
        ) as member_rank
    from models
    where not is_baseline
    {%- endcall %}
),

-- what each category may pick beyond its baselines: the top_n method's count, less the baselines
budgets as (
    select
        size_category,
        count(top_n_reason) - sum(case when is_baseline then 1 else 0 end) as picks_allowed
    from models
    group by size_category
),

-- the baselines are selected first: their traits are covered before any pick
covered_0 as (
    select distinct
        size_category,
        feature,
        value
    from signature_traits
    where has_baseline
),

picks_0 as (
    select
        cast(null as {{ type_text() }}) as size_category,
        cast(null as {{ type_text() }}) as signature,
        cast(null as {{ type_text() }}) as model_id,
        cast(null as bigint) as pick_order,
        cast(null as {{ type_double() }}) as gain,
        cast(null as {{ type_text() }}) as traits_added
    where false
),
{%- call(step) coverage_steps(steps) %}

-- pick {{ step }}: each signature's gain is the weight of its traits not yet covered
gains_{{ step }} as (
    select
        signature_traits.size_category,
        signature_traits.signature,
        signature_traits.has_baseline,
        {{ round_float('sum(case when covered.value is null then signature_traits.weight else 0 end)', 9) }} as gain,
        {{ ordered_string_agg(
            "case when covered.value is null then signature_traits.feature || '=' || signature_traits.value end",
            "', '", 'signature_traits.feature_order') }} as traits_added
    from signature_traits
    left join covered_{{ step - 1 }} as covered
        on
            signature_traits.size_category = covered.size_category
            and signature_traits.feature = covered.feature
            and signature_traits.value = covered.value
    group by signature_traits.size_category, signature_traits.signature, signature_traits.has_baseline
),

times_picked_{{ step }} as (
    select
        size_category,
        signature,
        count(*) as times_picked
    from picks_{{ step - 1 }}
    group by size_category, signature
),

-- a signature's candidate is its next member not yet picked
chosen_{{ step }} as (
    {%- set pick_window %}row_number() over (
        partition by members.size_category
        order by
            gains.gain desc,
            -- a signature not yet selected first
            (not gains.has_baseline and picked.times_picked is null) desc,
            members.rarity_score desc,
            members.release_date desc,
            members.model_id asc
    ){%- endset %}
    {% call(window_column) qualify('qualify_window = 1', window=pick_window,
        columns=['size_category', 'signature', 'model_id', 'pick_order', 'gain', 'traits_added']) -%}
    select
        members.size_category,
        members.signature,
        members.model_id,
        {{ step }} as pick_order,
        gains.gain,
        gains.traits_added{{ window_column }}
    from members
    inner join gains_{{ step }} as gains
        on
            members.size_category = gains.size_category
            and members.signature = gains.signature
    inner join budgets
        on members.size_category = budgets.size_category
    left join times_picked_{{ step }} as picked
        on
            members.size_category = picked.size_category
            and members.signature = picked.signature
    where
        members.member_rank = coalesce(picked.times_picked, 0) + 1
        and budgets.picks_allowed >= {{ step }}
    {%- endcall %}
),

picks_{{ step }} as (
    select * from picks_{{ step - 1 }}
    union all
    select * from chosen_{{ step }}
),

covered_{{ step }} as (
    select * from covered_{{ step - 1 }}
    union
    select
        signature_traits.size_category,
        signature_traits.feature,
        signature_traits.value
    from signature_traits
    inner join chosen_{{ step }} as chosen
        on
            signature_traits.size_category = chosen.size_category
            and signature_traits.signature = chosen.signature
),
{%- endcall %}

final as (
    select
        models.*,
        case
            when models.is_baseline then 'baseline'
            when picks.model_id is not null then 'coverage'
        end as coverage_reason,
        picks.pick_order,
        picks.gain,
        picks.traits_added
    from models
    left join picks_{{ steps }} as picks
        on models.model_id = picks.model_id
)

select * from final
