-- Every baseline in force is selected, with a reason that says so.
select baselines.model_id
from {{ ref('stg_baselines') }} as baselines
left join {{ ref('model_selection') }} as selection
    on baselines.model_id = selection.model_id
where selection.selection_reason is null or selection.selection_reason not like '%baseline'
