{#- The rules that tie architecture labels to config.json facts, in one place. dbt uses them
    to cross-check the catalog (tests/assert_catalog_labels_match_config_facts.sql);
    `archrarity add-model` renders these same macros with plain Jinja and evaluates them in
    DuckDB to derive a new model's labels. So: plain Jinja only, no dbt context.
    Arguments are SQL expressions. Each returns null when the facts cannot decide. -#}

{#- Attention from head counts: MLA exactly when kv_lora_rank is set (DeepSeek configs list as
    many KV heads as query heads, yet the attention is latent); else MHA when KV heads equal
    query heads, MQA with one KV head, GQA in between. -#}
{% macro attention_from_heads(num_attention_heads, num_key_value_heads, kv_lora_rank) -%}
    case
        when {{ kv_lora_rank }} is not null then 'MLA'
        when {{ num_attention_heads }} is null or {{ num_key_value_heads }} is null then null
        when {{ num_key_value_heads }} = {{ num_attention_heads }} then 'MHA'
        when {{ num_key_value_heads }} = 1 then 'MQA'
        when {{ num_key_value_heads }} > 1 and {{ num_key_value_heads }} < {{ num_attention_heads }} then 'GQA'
    end
{%- endmacro %}

{#- Feed-forward type from the number of routed experts: MoE exactly when there are more
    than one. -#}
{% macro ffn_from_experts(num_experts) -%}
    case
        when {{ num_experts }} is null then null
        when {{ num_experts }} > 1 then 'MoE'
        else 'dense'
    end
{%- endmacro %}
