-- Every catalog row agrees with the rule of its model_type (seeds/architecture_rules.csv),
-- wherever the rule fixes a label; a cell `config` leaves it to the checkpoint's config. Each
-- failing row names every label that contradicts the rule, with both values. Rows without a
-- model_type, or of a type with no rule, are not held to one.
-- - sequence_mixer: a rule whose attention is `config` allows its mixer or none (a config
--   with no mixer layer, such as Granite 4.0 micro's);
-- - activation `config`: the catalog's activation must be one a `gated` or `plain` MLP
--   computes (seeds/activation_functions.csv), as the rule's mlp says.
{%- set fixed = ['attention', 'ffn', 'activation', 'norm', 'norm_placement', 'qk_norm', 'attention_window',
    'position_encoding'] %}
with

catalog as (
    select * from {{ ref('stg_catalog') }}
    where model_type is not null
),

rules as (
    select * from {{ ref('stg_architecture_rules') }}
),

mlp_kinds as (
    select distinct
        trim(cast(activation as {{ type_text() }})) as activation,
        trim(cast(mlp as {{ type_text() }})) as mlp
    from {{ ref('activation_functions') }}
),

checked as (
    select
        catalog.model_id,
        catalog.model_type,
        concat_ws(
            '; ',
            {%- for label in fixed %}
            case
                when
                    rules.{{ label }} != 'config'
                    and cast(catalog.{{ label }} as {{ type_text() }}) != rules.{{ label }}
                    then
                        '{{ label }} = ' || cast(catalog.{{ label }} as {{ type_text() }})
                        || ' where the rule of model_type ' || catalog.model_type || ' says ' || rules.{{ label }}
            end,
            {%- endfor %}
            case
                when
                    catalog.sequence_mixer != rules.sequence_mixer
                    and not (rules.attention = 'config' and catalog.sequence_mixer = 'none')
                    then
                        'sequence_mixer = ' || catalog.sequence_mixer || ' where the rule of model_type '
                        || catalog.model_type || ' says ' || rules.sequence_mixer
                        || case when rules.attention = 'config' then ' (or none)' else '' end
            end,
            case
                when
                    rules.activation = 'config' and catalog.activation not in (
                        select mlp_kinds.activation from mlp_kinds
                        where mlp_kinds.mlp = rules.mlp
                    )
                    then
                        'activation = ' || catalog.activation || ' is not what a ' || rules.mlp
                        || ' MLP computes, which the rule of model_type ' || catalog.model_type || ' says it has'
            end
        ) as disagreement
    from catalog
    inner join rules
        on catalog.model_type = rules.model_type
)

select *
from checked
where disagreement != ''
