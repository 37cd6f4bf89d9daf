-- depends_on: {{ ref('catalog') }}
-- The catalog as read (the seed, or the catalog_path file in place), each checked value beside
-- its typed form: a number, date or canonical label that fails its check is null in the
-- *_value column. stg_catalog_problems reads both to name bad values; stg_catalog keeps the
-- typed ones.
{%- set label_features = ['attention', 'ffn', 'activation', 'norm',
    'attention_window', 'position_encoding', 'qk_norm', 'tie_word_embeddings'] %}
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
        {%- for feature in label_features %}
        {{ feature }}_label.value as {{ feature }}_value,
        -- for a refused spelling (silu, MoE as an attention, ...): what to write instead
        {{ feature }}_label.hint as {{ feature }}_hint,
        {%- endfor %}
        {{ date_from_text('raw_catalog.release_date') }} as release_date_value
    -- the vocabulary is joined as itself, not as a CTE: a CTE read four times is materialised,
    -- and that would keep every column of every row alive even for a reader of two of them
    from raw_catalog
    {% for feature in label_features -%}
    left join {{ ref('stg_vocabulary') }} as {{ feature }}_label
        on
            {{ feature }}_label.feature = '{{ feature }}'
            and lower(raw_catalog.{{ feature }}) = {{ feature }}_label.label_key
    {% endfor -%}
)

select * from final
