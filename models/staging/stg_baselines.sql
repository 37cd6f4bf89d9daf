-- depends_on: {{ ref('baselines') }}
-- The baselines: the shipped seed, or the list in the `baselines` var. Each must be in the
-- catalog and in a size category, or the build stops here naming it.
{{ config(materialized='table') }}

{%- set chosen = setting('baselines') %}

with

listed as (
    {%- if chosen is none %}
    select
        trim(model_id) as model_id,
        reason
    from {{ ref('baselines') }}
    {%- elif chosen | length == 0 %}
    select
        cast(null as {{ type_text() }}) as model_id,
        cast(null as {{ type_text() }}) as reason
    where false
    {%- else %}
    select
        model_id,
        'named in the baselines var' as reason
    from (values
        {%- for model_id in chosen %}
        ('{{ model_id }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as chosen_baselines (model_id)
    {%- endif %}
),

catalog as (
    select * from {{ ref('stg_catalog') }}
),

size_categories as (
    select * from {{ ref('stg_size_categories') }}
),

checked as (
    select
        listed.model_id,
        listed.reason,
        catalog.size_b,
        catalog.model_id is not null as is_in_catalog,
        size_categories.size_category
    from listed
    left join catalog
        on listed.model_id = catalog.model_id
    left join size_categories
        on catalog.size_b between size_categories.min_size_b and size_categories.max_size_b
),

problems as (
    select
        row_number() over (order by model_id) as problem_order,
        case
            when model_id is null then 'a baseline has an empty model_id'
            when not is_in_catalog then 'baseline ''' || model_id || ''' is not in the catalog'
            else
                'baseline ''' || model_id || ''' (size_b ' || size_b
                || ') falls in no size category (see seeds/size_categories.csv)'
        end as problem
    from checked
    where model_id is null or not is_in_catalog or size_category is null
),

final as (
    -- a baseline listed twice is one baseline
    select
        model_id,
        min(reason) as reason
    from checked
    where {{ stop_on_problems('problems', 'the baselines') }}
    group by model_id
)

select * from final
