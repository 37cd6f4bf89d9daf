-- depends_on: {{ ref('catalog') }}
-- The catalog as read (the seed, or the catalog_path file in place), each checked number and
-- date beside its typed form: one that fails its check is null in the *_value column.
-- stg_catalog_problems reads both to name bad values; stg_catalog keeps the typed ones. The
-- labels are looked up in the vocabulary by those two only (canonical_labels): the readers of
-- a checkpoint's identity and version alone (stg_catalog_versions) skip eight joins per row.
{%- set whole_numbers = ['context_window', 'num_attention_heads', 'num_key_value_heads',
    'kv_lora_rank', 'max_position_embeddings', 'num_experts', 'experts_per_token',
    'sliding_window', 'num_hidden_layers', 'hidden_size', 'vocab_size'] %}

with

raw_catalog as (
    {{ select_raw_catalog() }}
),

final as (
    select
        raw_catalog.*,
        {%- for column in ['size_b', 'total_params_b', 'active_params_b'] %}
        {{ positive_number('raw_catalog.' ~ column) }} as {{ column }}_value,
        {%- endfor %}
        {%- for column in whole_numbers %}
        {{ positive_number('raw_catalog.' ~ column, whole=true) }} as {{ column }}_value,
        {%- endfor %}
        {{ date_from_text('raw_catalog.release_date') }} as release_date_value
    from raw_catalog
)

select * from final
