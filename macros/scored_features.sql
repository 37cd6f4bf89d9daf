{#- Which features the method weighs, in one place (SPEC.md, Step 2 and Step 4 coverage). -#}

{#- The categorical features scored, in the order their weights are summed: attention (as
    attention_feature), activation, norm; ffn when moe_as_attention is off; then the
    extra_features in the order given. -#}
{% macro scored_features() -%}
    {{- return(['attention', 'activation', 'norm']
        + ([] if setting('moe_as_attention') else ['ffn'])
        + setting('extra_features')) -}}
{%- endmacro %}

{#- Every categorical feature a model can be scored on, scored or not: each gets a weight_
    column, null when it is not scored. -#}
{% macro categorical_features() -%}
    {{- return(['attention', 'activation', 'norm', 'ffn'] + extra_feature_names()) -}}
{%- endmacro %}

{#- A coverage trait is one (feature, value) of a scored categorical feature, plus the
    model's context_band. -#}
{% macro trait_features() -%}
    {{- return(scored_features() + ['context_band']) -}}
{%- endmacro %}

{#- The column of int_scored_features that holds a feature's value. -#}
{% macro feature_column(feature) -%}
    {{- return('attention_feature' if feature == 'attention' else feature) -}}
{%- endmacro %}

{#- The smallest power of two >= the context window (128000 -> 131072, 40960 -> 65536). The
    logarithm gives the exponent; the two comparisons make it exact whatever it rounds to. -#}
{% macro context_band(context_window) -%}
    case
        when cast(power(2, ceil({{ log2(context_window) }})) as bigint) < {{ context_window }}
            then cast(power(2, ceil({{ log2(context_window) }})) as bigint) * 2
        when cast(power(2, ceil({{ log2(context_window) }})) as bigint) / 2 >= {{ context_window }}
            then cast(power(2, ceil({{ log2(context_window) }})) / 2 as bigint)
        else cast(power(2, ceil({{ log2(context_window) }})) as bigint)
    end
{%- endmacro %}
