-- Every baseline in force is selected by both methods, with a reason that says so; and
-- model_selection (the method in force) has it too.
with

baselines as (
    select model_id from {{ ref('stg_baselines') }}
),

methods as (
    select 'top_n' as selection_method
    union all
    select 'coverage' as selection_method
    union all
    select 'model_selection' as selection_method
),

picks as (
    select
        selection_method,
        model_id,
        selection_reason
    from {{ ref('selection_picks') }}
    union all
    select
        'model_selection' as selection_method,
        model_id,
        selection_reason
    from {{ ref('model_selection') }}
)

select
    methods.selection_method,
    baselines.model_id,
    picks.selection_reason
from baselines
cross join methods
left join picks
    on
        baselines.model_id = picks.model_id
        and methods.selection_method = picks.selection_method
where picks.selection_reason is null or picks.selection_reason not like '%baseline'
