-- How diverse each method's selection is, trait feature by trait feature: per size category,
-- method and feature, how many distinct values the category's scored models have, how many
-- of them the selection covers, and which it leaves uncovered. The traits are the coverage
-- method's (the scored features as scored, and the context band); how redundant each
-- selection is (identical signatures) is in selection_comparison.
with

category_traits as (
    select * from {{ ref('int_category_traits_selected') }}
),

coverage as (
    select
        size_category,
        selection_method,
        feature,
        count(*) as values_in_category,
        count(case when n_selected > 0 then 1 end) as values_selected,
        {{ ordered_string_agg('case when n_selected = 0 then value end', "', '", 'value') }} as values_uncovered
    from category_traits
    group by size_category, selection_method, feature
),

final as (
    select
        coverage.size_category,
        coverage.selection_method,
        coverage.feature,
        cast(coverage.values_in_category as bigint) as values_in_category,
        cast(coverage.values_selected as bigint) as values_selected,
        cast(coverage.values_selected as {{ type_double() }}) / coverage.values_in_category as share_covered,
        coverage.values_uncovered
    from coverage
)

select * from final
