-- The finer architecture facts agree with each other and with the attention label (where a
-- catalog gives them; they are optional):
-- - sliding_window is given exactly when attention_window is sliding or local-global;
-- - attention_window is none exactly for SSM models (no attention layers);
-- - an SSM has no positional encoding; position_encoding none goes with SSM, or with a
--   Hybrid whose attention layers use no positions (Jamba, Granite 4.0-H, Nemotron-H: the Mamba layers
--   carry the order), the one explained exception (docs/data_notes.md).
select
    model_id,
    attention,
    attention_window,
    sliding_window,
    position_encoding
from {{ ref('stg_catalog') }}
where
    (attention_window is not null and (sliding_window is not null) != (attention_window in ('sliding', 'local-global')))
    or (attention_window is null and sliding_window is not null)
    or (attention_window is not null and (attention_window = 'none') != (attention = 'SSM'))
    or (position_encoding is not null and attention = 'SSM' and position_encoding != 'none')
    or (position_encoding = 'none' and attention not in ('SSM', 'Hybrid'))
