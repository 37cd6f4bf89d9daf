-- The catalog's facts agree with each other, in one pass over the catalog; each row names
-- every rule it breaks (`disagreement`). The label agreement rules of SPEC ("The catalog"):
-- - sequence_mixer is none exactly when the attention is MHA, MQA, GQA or MLA;
-- - attention_window is none exactly when the attention is SSM or RNN (no attention layers);
-- - an SSM's mixer is a state-space kind (seeds/vocabulary.csv: Mamba, Mamba2);
-- - sliding_window is given exactly when attention_window is sliding or local-global;
-- - position_encoding none goes with SSM or RNN, or with a Hybrid whose attention layers use
--   no positions (Jamba, Kimi Linear: the other layers carry the order); an SSM or RNN has none;
-- - a MoE model has num_experts > experts_per_token when both are given.
-- And the labels agree with the config.json facts behind them (rules in macros/label_rules.sql,
-- shared with `archrarity add-model`): attention against head counts and kv_lora_rank, ffn
-- against the number of experts, and active < total parameters for MoE. Hybrid, SSM and RNN
-- models are not checked against head counts: theirs describe only the attention layers of a
-- mixed stack (or there are none).
with

mixer_kinds as (
    select
        value,
        kind
    from {{ ref('stg_vocabulary') }}
    where feature = 'sequence_mixer' and label_key = lower(value)
),

catalog as (
    select
        stg_catalog.*,
        mixer_kinds.kind as sequence_mixer_kind,
        {{ attention_from_heads('stg_catalog.num_attention_heads', 'stg_catalog.num_key_value_heads',
            'stg_catalog.kv_lora_rank') }} as attention_from_config,
        {{ ffn_from_experts('stg_catalog.num_experts') }} as ffn_from_config
    from {{ ref('stg_catalog') }} as stg_catalog
    left join mixer_kinds
        on stg_catalog.sequence_mixer = mixer_kinds.value
),

checked as (
    select
        model_id,
        concat_ws(
            '; ',
            case
                when attention not in ('Hybrid', 'SSM', 'RNN') and attention != attention_from_config
                    then 'attention is not what the head counts say'
            end,
            case
                when kv_lora_rank is not null and attention not in ('MLA', 'Hybrid')
                    then 'kv_lora_rank without MLA (or a Hybrid whose attention layers are MLA)'
            end,
            case when ffn != ffn_from_config then 'ffn is not what num_experts says' end,
            case when ffn = 'MoE' and active_params_b >= total_params_b then 'MoE with active >= total params' end,
            case
                when ffn = 'MoE' and num_experts <= experts_per_token
                    then 'MoE with num_experts <= experts_per_token'
            end,
            case
                when
                    sequence_mixer is not null
                    and (sequence_mixer = 'none') != (attention in ('MHA', 'MQA', 'GQA', 'MLA'))
                    then 'sequence_mixer none is for MHA, MQA, GQA and MLA models only, and each of them has it'
            end,
            case
                when
                    attention = 'SSM' and sequence_mixer is not null
                    and coalesce(sequence_mixer_kind, '') != 'state-space'
                    then 'an SSM whose sequence_mixer is not a state-space kind (Mamba, Mamba2)'
            end,
            case
                when
                    attention_window is not null
                    and (sliding_window is not null) != (attention_window in ('sliding', 'local-global'))
                    then 'sliding_window given for a window other than sliding or local-global, or missing for one'
                when attention_window is null and sliding_window is not null
                    then 'sliding_window without an attention_window'
            end,
            case
                when attention_window is not null and (attention_window = 'none') != (attention in ('SSM', 'RNN'))
                    then 'attention_window none is for SSM and RNN models only, and each of them has it'
            end,
            case
                when position_encoding is not null and attention in ('SSM', 'RNN') and position_encoding != 'none'
                    then 'an SSM or RNN with a position_encoding'
                when position_encoding = 'none' and attention not in ('SSM', 'RNN', 'Hybrid')
                    then 'position_encoding none on a model that is neither SSM, RNN nor Hybrid'
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
        position_encoding,
        sequence_mixer,
        num_experts,
        experts_per_token
    from catalog
)

select *
from checked
where disagreement != ''
