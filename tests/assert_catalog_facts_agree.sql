-- The catalog's facts agree with each other, in one pass over the catalog; each row names
-- every rule it breaks (`disagreement`).
-- The labels agree with the config.json facts behind them (rules in macros/label_rules.sql,
-- shared with `archrarity add-model`): attention against head counts and kv_lora_rank, ffn
-- against the number of experts, and active < total parameters for MoE. Hybrid and SSM models
-- are not checked against head counts: theirs describe only the attention layers of a mixed
-- stack (or there are none).
-- The finer architecture facts (optional) agree with each other and with the attention label:
-- - sliding_window is given exactly when attention_window is sliding or local-global;
-- - attention_window is none exactly for SSM models (no attention layers);
-- - an SSM has no positional encoding; position_encoding none goes with SSM, or with a
--   Hybrid whose attention layers use no positions (Jamba, Granite 4.0-H, Nemotron-H: the Mamba
--   layers carry the order), the one explained exception (docs/data_notes.md).
with

catalog as (
    select
        *,
        {{ attention_from_heads('num_attention_heads', 'num_key_value_heads', 'kv_lora_rank') }}
            as attention_from_config,
        {{ ffn_from_experts('num_experts') }} as ffn_from_config
    from {{ ref('stg_catalog') }}
),

checked as (
    select
        model_id,
        concat_ws(
            '; ',
            case
                when attention not in ('Hybrid', 'SSM') and attention != attention_from_config
                    then 'attention is not what the head counts say'
            end,
            case when kv_lora_rank is not null and attention != 'MLA' then 'kv_lora_rank without MLA' end,
            case when ffn != ffn_from_config then 'ffn is not what num_experts says' end,
            case when ffn = 'MoE' and active_params_b >= total_params_b then 'MoE with active >= total params' end,
            case
                when
                    attention_window is not null
                    and (sliding_window is not null) != (attention_window in ('sliding', 'local-global'))
                    then 'sliding_window given for a window other than sliding or local-global, or missing for one'
                when attention_window is null and sliding_window is not null
                    then 'sliding_window without an attention_window'
            end,
            case
                when attention_window is not null and (attention_window = 'none') != (attention = 'SSM')
                    then 'attention_window none is for SSM models only, and every SSM has it'
            end,
            case
                when position_encoding is not null and attention = 'SSM' and position_encoding != 'none'
                    then 'an SSM with a position_encoding'
                when position_encoding = 'none' and attention not in ('SSM', 'Hybrid')
                    then 'position_encoding none on a model that is neither SSM nor Hybrid'
            end
        ) as disagreement,
        attention,
        attention_from_config,
        ffn,
        ffn_from_config,
        active_params_b,
        total_params_b,
        attention_window,
        sliding_window,
        position_encoding
    from catalog
)

select *
from checked
where disagreement != ''
