-- Step 2c: the context window, numeric, rescaled to the categorical weights' magnitude:
-- weight_context = context_window / max(context_window) * avg(weight_attention).
with

scored_models as (
    select * from {{ ref('int_models_to_score') }}
),

attention_weights as (
    select * from {{ ref('int_feature_values_weighted') }}
    where feature = 'attention'
),

avg_attention_weight as (
    -- The mean of N / count(value) over the N models is the number of distinct values
    -- (sum over values of count * N / count, divided by N); counting them is exact, where
    -- averaging floats could end in ...9999.
    select cast(count(*) as {{ type_double() }}) as avg_weight_attention
    from attention_weights
),

final as (
    select
        scored_models.model_id,
        scored_models.context_window,
        max(scored_models.context_window) over () as max_context_window,
        avg_attention_weight.avg_weight_attention,
        {{ float_divide('scored_models.context_window', 'max(scored_models.context_window) over ()') }}
        * avg_attention_weight.avg_weight_attention as weight_context
    from scored_models
    cross join avg_attention_weight
)

select * from final
