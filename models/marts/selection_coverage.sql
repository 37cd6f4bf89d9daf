-- How diverse the selection is: per size category and architecture feature, how many distinct
-- values the category has and how many of them the selected models cover; and how many pairs
-- of selected models share an identical architecture signature.
with

ranked_models as (
    select * from {{ ref('rarity_scores') }}
    where size_category is not null
),

feature_values as (
    unpivot (
        select
            size_category,
            model_id,
            selection_reason is not null as is_selected,
            attention,
            ffn,
            activation,
            norm,
            cast(context_window as varchar) as context_window
        from ranked_models
    )
    on attention, ffn, activation, norm, context_window
    into name feature value feature_value
),

coverage as (
    select
        size_category,
        feature,
        count(distinct feature_value) as values_in_category,
        count(distinct feature_value) filter (where is_selected) as values_selected
    from feature_values
    group by size_category, feature
),

signatures as (
    select
        size_category,
        count(*) as n_selected
    from ranked_models
    where selection_reason is not null
    group by size_category, attention, ffn, activation, norm, context_window
),

identical_pairs as (
    select
        size_category,
        -- n models with one signature make n * (n - 1) / 2 identical pairs
        sum(n_selected * (n_selected - 1) // 2) as identical_signature_pairs
    from signatures
    group by size_category
),

final as (
    select
        coverage.size_category,
        coverage.feature,
        coverage.values_in_category,
        coverage.values_selected,
        cast(coverage.values_selected as double) / coverage.values_in_category as share_covered,
        cast(coalesce(identical_pairs.identical_signature_pairs, 0) as bigint) as identical_signature_pairs
    from coverage
    left join identical_pairs
        on coverage.size_category = identical_pairs.size_category
)

select * from final
