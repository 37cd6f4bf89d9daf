-- The mean attention weight over the scored models equals the number of distinct attention
-- values, and it bounds weight_context: the model with the largest context gets exactly it.
with

scores as (
    select * from {{ ref('rarity_scores') }}
),

attention_values as (
    select count(*) as n_attention_values
    from {{ ref('feature_weights') }}
    where feature = 'attention'
),

summary as (
    select
        avg(scores.weight_attention) as avg_weight_attention,
        max(scores.weight_context) as max_weight_context,
        {{ any_value('attention_values.n_attention_values') }} as n_attention_values
    from scores
    cross join attention_values
)

select *
from summary
where
    abs(avg_weight_attention - n_attention_values) > 1e-9
    or abs(max_weight_context - n_attention_values) > 1e-9
