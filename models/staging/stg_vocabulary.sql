-- Every accepted spelling of an architecture label, matched case-insensitively after trimming:
-- the canonical values themselves plus their aliases. A refused alias has no value, only a hint.
with

vocabulary as (
    select * from {{ ref('vocabulary') }}
),

aliases as (
    select * from {{ ref('vocabulary_aliases') }}
),

spellings as (
    select
        feature,
        value as label,
        value,
        cast(null as {{ type_text() }}) as hint
    from vocabulary
    union all
    select
        feature,
        alias as label,
        value,
        hint
    from aliases
),

accepted as (
    select
        lower(trim(feature)) as feature,
        {{ ordered_string_agg('trim(value)', "', '", 'trim(value)') }} as accepted_values
    from vocabulary
    {{ group_by_all(['lower(trim(feature))']) }}
),

final as (
    select
        lower(trim(spellings.feature)) as feature,
        lower(trim(spellings.label)) as label_key,
        trim(vocabulary.value) as value,
        spellings.hint,
        coalesce(vocabulary.is_common_attention, false) as is_common_attention,
        vocabulary.kind,
        accepted.accepted_values
    from spellings
    left join vocabulary
        on
            lower(trim(spellings.feature)) = lower(trim(vocabulary.feature))
            and lower(trim(spellings.value)) = lower(trim(vocabulary.value))
    left join accepted
        on lower(trim(spellings.feature)) = accepted.feature
)

select * from final
