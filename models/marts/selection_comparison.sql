-- The two selection methods side by side, per size category: how many models each selects
-- (the same budget), how many of the category's traits they cover, by count and by weight,
-- and how many pairs of selected models share one identical signature.
with

picks as (
    select * from {{ ref('selection_picks') }}
),

category_traits as (
    select * from {{ ref('int_category_traits_selected') }}
),

trait_totals as (
    select
        size_category,
        selection_method,
        count(*) as traits_in_category,
        count(case when n_selected > 0 then 1 end) as traits_covered,
        sum(weight) as weight_in_category,
        sum(case when n_selected > 0 then weight else 0 end) as weight_covered
    from category_traits
    group by size_category, selection_method
),

signatures as (
    select
        size_category,
        selection_method,
        count(*) as n_selected
    from picks
    group by size_category, selection_method, signature
),

selections as (
    select
        size_category,
        selection_method,
        sum(n_selected) as n_selected,
        -- n models with one signature make n * (n - 1) / 2 identical pairs
        sum(n_selected * (n_selected - 1) / 2) as identical_signature_pairs
    from signatures
    group by size_category, selection_method
),

final as (
    select
        trait_totals.size_category,
        trait_totals.selection_method,
        cast(coalesce(selections.n_selected, 0) as bigint) as n_selected,
        cast(trait_totals.traits_in_category as bigint) as traits_in_category,
        cast(trait_totals.traits_covered as bigint) as traits_covered,
        cast(trait_totals.traits_covered as {{ type_double() }}) / trait_totals.traits_in_category as trait_share,
        trait_totals.weight_covered / trait_totals.weight_in_category as weight_share,
        cast(coalesce(selections.identical_signature_pairs, 0) as bigint) as identical_signature_pairs
    from trait_totals
    left join selections
        on
            trait_totals.size_category = selections.size_category
            and trait_totals.selection_method = selections.selection_method
)

select * from final
