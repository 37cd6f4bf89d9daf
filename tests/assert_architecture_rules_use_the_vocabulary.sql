-- Every label a rule of seeds/architecture_rules.csv fixes is a canonical value of the
-- vocabulary (or `config`: the config decides), so that a catalog row can be held to it. An
-- empty cell is a fact no rule decides: add-model and enrich refuse it, naming the field.
-- Each failing row names the model_type, the column and the value.
with

rules as (
    select * from {{ ref('stg_architecture_rules') }}
),

cells as (
    {%- for column in ['attention', 'sequence_mixer', 'ffn', 'activation', 'norm', 'norm_placement',
        'qk_norm', 'attention_window', 'position_encoding'] %}
    select
        model_type,
        '{{ column }}' as feature,
        {{ column }} as value
    from rules
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    union all
    select
        model_type,
        'mlp' as feature,
        mlp as value
    from rules
),

vocabulary as (
    select distinct
        feature,
        value
    from {{ ref('stg_vocabulary') }}
    where value is not null
),

final as (
    select
        cells.model_type,
        cells.feature,
        cells.value,
        'the rule of model_type ''' || cells.model_type || ''' has ' || cells.feature || ' = '''
        || coalesce(cells.value, '') || ''': '
        || case
            when cells.feature = 'mlp' then 'write gated or plain'
            else 'not a canonical value of seeds/vocabulary.csv, nor config'
        end as problem
    from cells
    left join vocabulary
        on cells.feature = vocabulary.feature and cells.value = vocabulary.value
    where
        (cells.feature = 'mlp' and coalesce(cells.value, '') not in ('gated', 'plain'))
        or (cells.feature != 'mlp' and cells.value != 'config' and vocabulary.value is null)
)

select * from final
