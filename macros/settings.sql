{#- The method's settings (SPEC.md, "Settings") are dbt vars. Models never call var() for
    them: they call setting(name), which validates the value and returns it.
    validate_settings() runs as on-run-start, so a wrong value stops the build before any
    model runs, with a message naming the var. -#}

{% macro setting(name) -%}
    {{- return(_validated_setting(name)) -}}
{%- endmacro %}

{#- The settings there are, and the extra categorical features a user may score (SPEC Step 2). -#}
{% macro setting_names() -%}
    {{- return(['top_n', 'tier_high', 'tier_moderate', 'moe_as_attention', 'selection_method',
        'extra_features', 'baselines', 'catalog_path', 'catalog_relation']) -}}
{%- endmacro %}

{% macro extra_feature_names() -%}
    {{- return(['attention_window', 'position_encoding', 'qk_norm', 'tie_word_embeddings',
        'sequence_mixer', 'norm_placement']) -}}
{%- endmacro %}

{% macro validate_settings() %}
    {#- dbt ignores a var nobody reads, so a misspelled setting would silently do nothing -#}
    {%- for name in (invocation_args_dict.get('vars') or {}) if name not in setting_names() -%}
        {%- set closest = _closest_name(name, setting_names()) -%}
        {{ exceptions.raise_compiler_error(
            "Unknown dbt var '" ~ name ~ "'"
            ~ (" (did you mean '" ~ closest ~ "'?)" if closest else "")
            ~ "; the settings are: " ~ setting_names() | join(', ')) }}
    {%- endfor -%}
    {%- for name in setting_names() -%}
        {%- do _validated_setting(name) -%}
    {%- endfor -%}
    {%- if setting('tier_moderate') > setting('tier_high') -%}
        {{ _setting_error('tier_moderate', setting('tier_moderate'),
            'must not exceed tier_high (' ~ setting('tier_high') ~ '): the thresholds are inverted') }}
    {%- endif -%}
    select 1 as settings_are_valid
{% endmacro %}

{% macro _setting_error(name, value, problem) %}
    {{ exceptions.raise_compiler_error(
        "Invalid dbt var '" ~ name ~ "' = " ~ (value | tojson) ~ ": " ~ problem) }}
{% endmacro %}

{% macro _validated_setting(name) %}
    {%- set value = var(name) -%}
    {%- if name == 'top_n' -%}
        {%- if value is boolean or value is not integer or value < 0 -%}
            {{ _setting_error(name, value, 'must be a whole number >= 0') }}
        {%- endif -%}
    {%- elif name in ['tier_high', 'tier_moderate'] -%}
        {%- if value is boolean or value is not number or value != value or value < 0 -%}
            {{ _setting_error(name, value, 'must be a number >= 0') }}
        {%- endif -%}
    {%- elif name == 'moe_as_attention' -%}
        {%- if value is not boolean -%}
            {{ _setting_error(name, value, 'must be true or false') }}
        {%- endif -%}
    {%- elif name == 'selection_method' -%}
        {%- if value not in ['top_n', 'coverage'] -%}
            {{ _setting_error(name, value, "must be 'top_n' (the note's top N plus baselines) or 'coverage'") }}
        {%- endif -%}
    {%- elif name == 'extra_features' -%}
        {%- if value is string or value is mapping or value is not iterable or value is none -%}
            {{ _setting_error(name, value, 'must be a list of features, [] for none (from: '
                ~ extra_feature_names() | join(', ') ~ ')') }}
        {%- endif -%}
        {%- for feature in value -%}
            {%- if feature not in extra_feature_names() -%}
                {%- set closest = _closest_name(feature | string, extra_feature_names()) -%}
                {{ _setting_error(name, value, (feature | tojson) ~ ' is not an extra feature'
                    ~ (" (did you mean '" ~ closest ~ "'?)" if closest else '')
                    ~ '; the extra features are: ' ~ extra_feature_names() | join(', ')) }}
            {%- endif -%}
            {%- if value[:loop.index0].count(feature) -%}
                {{ _setting_error(name, value, (feature | tojson) ~ ' is listed twice') }}
            {%- endif -%}
        {%- endfor -%}
    {%- elif name == 'baselines' -%}
        {%- if value is not none -%}
            {%- if value is string or value is mapping or value is not iterable -%}
                {{ _setting_error(name, value, 'must be a list of model_ids (or null for the shipped seed)') }}
            {%- endif -%}
            {%- for model_id in value -%}
                {%- if model_id is not string or not modules.re.fullmatch('[a-z0-9][a-z0-9._-]*', model_id) -%}
                    {{ _setting_error(name, value, (model_id | tojson) ~ ' is not a model_id ([a-z0-9][a-z0-9._-]*)') }}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- elif name == 'catalog_path' -%}
        {%- if value is not none -%}
            {%- if value is not string or not modules.re.search('\.(csv|parquet)$', value | lower) -%}
                {{ _setting_error(name, value, 'must be the path of a .csv or .parquet file (or null for the shipped seed)') }}
            {%- endif -%}
        {%- endif -%}
    {%- elif name == 'catalog_relation' -%}
        {%- if value is not none -%}
            {%- if value is not string or not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*([.][A-Za-z_][A-Za-z0-9_]*){0,2}', value) -%}
                {{ _setting_error(name, value, 'must name a table or view, e.g. my_schema.my_catalog (or null for the shipped seed)') }}
            {%- endif -%}
            {%- if var('catalog_path') is not none -%}
                {{ _setting_error(name, value, 'and catalog_path are both set: name the catalog once') }}
            {%- endif -%}
        {%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("Unknown setting '" ~ name ~ "'") }}
    {%- endif -%}
    {{- return(value) -}}
{% endmacro %}

{#- The known name closest to `name`, or none when nothing is close. Case, '-' and '_' are
    ignored; an abbreviation (num_kv_heads, whose letters all appear in order in
    num_key_value_heads) means the shortest name it abbreviates; otherwise the smallest edit
    distance, if it is at most half the longer name. -#}
{% macro _closest_name(name, known) %}
    {%- set shortest = namespace(name=none) -%}
    {%- for candidate in known if _is_subsequence(_name_key(name), _name_key(candidate)) -%}
        {%- if shortest.name is none or candidate | length < shortest.name | length -%}
            {%- set shortest.name = candidate -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if shortest.name is not none -%}
        {{- return(shortest.name) -}}
    {%- endif -%}
    {%- set best = namespace(name=none, distance=none, length=0) -%}
    {%- for candidate in known -%}
        {%- set distance = _edit_distance(_name_key(name), _name_key(candidate)) | int -%}
        {%- if best.distance is none or distance < best.distance -%}
            {%- set best.name = candidate -%}
            {%- set best.distance = distance -%}
            {%- set best.length = [_name_key(name) | length, _name_key(candidate) | length] | max -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(best.name if best.distance is not none and best.distance * 2 <= best.length else none) -}}
{% endmacro %}

{% macro _name_key(name) -%}
    {{- return(name | lower | replace('-', '') | replace('_', '') | replace(' ', '')) -}}
{%- endmacro %}

{#- Levenshtein distance, one row of the table at a time. -#}
{% macro _edit_distance(a, b) %}
    {%- set table = namespace(previous=range(b | length + 1) | list) -%}
    {%- for i in range(a | length) -%}
        {%- set current = [i + 1] -%}
        {%- for j in range(b | length) -%}
            {%- do current.append([table.previous[j + 1] + 1, current[j] + 1,
                table.previous[j] + (0 if a[i] == b[j] else 1)] | min) -%}
        {%- endfor -%}
        {%- set table.previous = current -%}
    {%- endfor -%}
    {{- return(table.previous[-1]) -}}
{% endmacro %}

{#- Whether every character of `short` appears in `long`, in order. -#}
{% macro _is_subsequence(short, long) %}
    {%- set position = namespace(at=0) -%}
    {%- for character in long -%}
        {%- if position.at < short | length and short[position.at] == character -%}
            {%- set position.at = position.at + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(short | length > 0 and position.at == short | length) -}}
{% endmacro %}
