-- The catalog's labels agree with the config.json facts behind them (rules in
-- macros/label_rules.sql, shared with `archrarity add-model`): attention against head counts
-- and kv_lora_rank, ffn against the number of experts, and active < total parameters for MoE.
-- Hybrid and SSM models are not checked against head counts: theirs describe only the
-- attention layers of a mixed stack (or there are none).
with

catalog as (
    select
        *,
        {{ attention_from_heads('num_attention_heads', 'num_key_value_heads', 'kv_lora_rank') }}
            as attention_from_config,
        {{ ffn_from_experts('num_experts') }} as ffn_from_config
    from {{ ref('stg_catalog') }}
)

select
    model_id,
    attention,
    attention_from_config,
    ffn,
    ffn_from_config,
    active_params_b,
    total_params_b
from catalog
where
    (attention not in ('Hybrid', 'SSM') and attention != attention_from_config)
    or (kv_lora_rank is not null and attention != 'MLA')
    or ffn != ffn_from_config
    or (ffn = 'MoE' and active_params_b >= total_params_b)
