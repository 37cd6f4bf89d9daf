-- Size categories (inclusive bounds on size_b), validated: bounds present, min <= max, no overlap.
{{ config(materialized='table') }}

with

categories as (
    select
        trim(size_category) as size_category,
        cast(min_size_b as {{ type_double() }}) as min_size_b,
        cast(max_size_b as {{ type_double() }}) as max_size_b
    from {{ ref('size_categories') }}
),

problems as (
    select
        row_number() over (order by problem) as problem_order,
        problem
    from (
        select
            'size category ' || coalesce('''' || size_category || '''', '(unnamed)')
            || ' needs min_size_b <= max_size_b, both >= 0 (has '
            || coalesce(cast(min_size_b as {{ type_text() }}), 'empty') || '..'
            || coalesce(cast(max_size_b as {{ type_text() }}), 'empty') || ')' as problem
        from categories
        where
            size_category is null
            or min_size_b is null
            or max_size_b is null
            or min_size_b < 0
            or min_size_b > max_size_b
        union all
        select
            'size categories ''' || lower_category.size_category || ''' and '''
            || upper_category.size_category || ''' overlap' as problem
        from categories as lower_category
        inner join categories as upper_category
            on
                lower_category.size_category < upper_category.size_category
                and lower_category.min_size_b <= upper_category.max_size_b
                and lower_category.max_size_b >= upper_category.min_size_b
    ) as all_problems
),

final as (
    select *
    from categories
    where {{ stop_on_problems('problems', 'seeds/size_categories.csv') }}
)

select * from final
