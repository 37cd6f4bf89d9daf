-- What each architecture's code does, one row per config model_type (seeds/architecture_rules.csv,
-- read from transformers' modelling code; docs/data_notes.md, "Architecture rules"). A cell
-- `config` leaves the label to the checkpoint's config. `archrarity add-model` and `enrich`
-- label configs by these rows; the catalog checks hold every catalog row to its type's row.
with

rules as (
    select * from {{ ref('architecture_rules') }}
),

final as (
    select
        trim(cast(model_type as {{ type_text() }})) as model_type,
        {%- for column in ['attention', 'sequence_mixer', 'ffn', 'mlp', 'activation', 'norm', 'norm_placement',
            'qk_norm', 'attention_window', 'position_encoding'] %}
        trim(cast({{ column }} as {{ type_text() }})) as {{ column }},
        {%- endfor %}
        trim(cast(source as {{ type_text() }})) as source
    from rules
)

select * from final
