-- The coverage traits of each size category, per selection method: one row per (category,
-- method, trait), with the trait's weight, how many of the category's models have it and how
-- many of the method's selected models do. Both methods are compared on these same traits.
{%- set traits = trait_features() %}

with

models as (
    select * from {{ ref('int_models_selected_by_coverage') }}
),

trait_weights as (
    select * from {{ ref('int_feature_values_weighted') }}
),

-- counted per signature first: a category has few signatures, however many models
per_signature as (
    select
        size_category,
        {%- for feature in traits %}
        cast({{ feature_column(feature) }} as {{ type_text() }}) as {{ feature }},
        {%- endfor %}
        count(*) as n_models,
        count(top_n_reason) as n_by_top_n,
        count(coverage_reason) as n_by_coverage
    from models
    group by
        size_category,
        {%- for feature in scored_features() %}
        {{ feature_column(feature) }},
        {%- endfor %}
        context_band
),

traits as (
    {% call unpivot(['size_category', 'n_models', 'n_by_top_n', 'n_by_coverage'], traits) %}per_signature{% endcall %}
),

methods as (
    select 'top_n' as selection_method
    union all
    select 'coverage' as selection_method
),

final as (
    select
        traits.size_category,
        methods.selection_method,
        traits.feature,
        traits.value,
        trait_weights.weight,
        sum(traits.n_models) as n_models,
        sum(case when methods.selection_method = 'top_n' then traits.n_by_top_n else traits.n_by_coverage end)
            as n_selected
    from traits
    cross join methods
    inner join trait_weights
        on
            traits.feature = trait_weights.feature
            and traits.value = trait_weights.value
    group by
        traits.size_category,
        methods.selection_method,
        traits.feature,
        traits.value,
        trait_weights.weight
)

select * from final
