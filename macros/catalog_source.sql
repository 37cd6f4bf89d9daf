{#- The catalog's columns (SPEC.md, "The catalog"): required first, then optional. -#}
{% macro catalog_columns(kind='all') %}
    {%- set required = ['model_id', 'model_name', 'family', 'version', 'size_b', 'release_date',
        'attention', 'ffn', 'activation', 'norm', 'context_window'] -%}
    {%- set optional = ['total_params_b', 'active_params_b', 'num_attention_heads',
        'num_key_value_heads', 'kv_lora_rank', 'hidden_act', 'max_position_embeddings',
        'num_experts', 'experts_per_token', 'source_url',
        'attention_window', 'sliding_window', 'position_encoding', 'qk_norm', 'tie_word_embeddings',
        'num_hidden_layers', 'hidden_size', 'vocab_size', 'model_type', 'sequence_mixer', 'norm_placement'] -%}
    {{ return(required if kind == 'required' else (optional if kind == 'optional' else required + optional)) }}
{% endmacro %}

{#- Selects the raw catalog: the shipped seed, or the file named by the catalog_path var, read
    in place by DuckDB (no dbt seed loader, so a million rows load in seconds). Text columns
    come out trimmed, empty as null; a column the file already types (a Parquet number or
    date) is passed through as it is, since casting a million values to text and back costs
    more than the rest of staging. Plus source_row (1-based line of data); an optional column
    the file lacks comes out as null text, a missing required column stops the build. -#}
{% macro select_raw_catalog() %}
    {%- set path = setting('catalog_path') -%}
    {%- set relation_name = setting('catalog_relation') -%}
    {%- set row_number_sql = row_number_as_read() -%}
    {%- if relation_name is not none -%}
        {#- a table or view the user already has, in the warehouse (or DuckDB) -#}
        {%- set source_sql = 'select * from ' ~ relation_name -%}
        {%- set described = 'catalog_relation ' ~ relation_name -%}
        {%- set introspect = execute -%}
    {%- elif path is none -%}
        {%- set source_sql = 'select * from ' ~ ref('catalog') -%}
        {%- set described = 'the catalog seed' -%}
        {#- Compiling before the seed is loaded (sqlfluff, dbt compile): assume every column. -#}
        {%- set introspect = execute and load_relation(ref('catalog')) is not none -%}
    {%- else -%}
        {%- if target.type != 'duckdb' -%}
            {{ _setting_error('catalog_path', path, 'is a file DuckDB reads in place; on ' ~ target.type
                ~ ' load the catalog as a table and name it in catalog_relation instead') }}
        {%- endif -%}
        {%- set quoted = "'" ~ (path | replace("'", "''")) ~ "'" -%}
        {%- if (path | lower).endswith('.parquet') -%}
            {#- the reader numbers the rows itself, in parallel; row_number() over () would
                serialise the scan -#}
            {%- set source_sql = 'select * from read_parquet(' ~ quoted ~ ', file_row_number = true)' -%}
            {%- set row_number_sql = 'file_row_number + 1' -%}
        {%- else -%}
            {%- set source_sql = 'select * from read_csv(' ~ quoted ~ ', header = true, all_varchar = true)' -%}
        {%- endif -%}
        {%- set described = 'catalog_path ' ~ path -%}
        {%- set introspect = execute -%}
    {%- endif -%}

    {#- always read as text, whatever type a file gives them (a version 3.10 must not be a number) -#}
    {%- set text_columns = ['model_id', 'model_name', 'family', 'version', 'attention', 'ffn',
        'activation', 'norm', 'hidden_act', 'source_url', 'attention_window', 'position_encoding',
        'qk_norm', 'tie_word_embeddings', 'model_type', 'sequence_mixer', 'norm_placement'] -%}
    {%- set present = [] -%}
    {%- set types = {} -%}
    {%- if introspect -%}
        {%- for name, type in catalog_source_columns(source_sql) -%}
            {%- do present.append(name | lower) -%}
            {%- do types.update({name | lower: type | upper}) -%}
        {%- endfor -%}
        {%- do _check_catalog_header(path, present, described) -%}
        {%- set missing = [] -%}
        {%- for column in catalog_columns('required') if column not in present -%}
            {%- do missing.append(column) -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                described ~ ' lacks required column(s): ' ~ missing | join(', ')
                ~ ' (it has: ' ~ present | join(', ') ~ ')') }}
        {%- endif -%}
    {%- endif -%}

    select
        {{ row_number_sql }} as source_row,
        {%- for column in catalog_columns() %}
            {%- if column in present and types[column] != 'VARCHAR' and column not in text_columns %}
        {{ adapter.quote(column) }} as {{ column }}
            {%- elif column in present or not introspect %}
        {{ trimmed_text('cast(' ~ adapter.quote(column) ~ ' as ' ~ type_text() ~ ')') }} as {{ column }}
            {%- else %}
        cast(null as {{ type_text() }}) as {{ column }}
            {%- endif %}
            {{- "," if not loop.last }}
        {%- endfor %}
    from ({{ source_sql }}) as raw_catalog
{% endmacro %}

{#- The (name, type) of each column `source_sql` returns. DuckDB describes the query; elsewhere
    every column is read as text (type VARCHAR), so only the names are asked for. -#}
{% macro catalog_source_columns(source_sql) %}
    {{- return(adapter.dispatch('catalog_source_columns', 'archrarity')(source_sql)) -}}
{% endmacro %}
{% macro duckdb__catalog_source_columns(source_sql) %}
    {%- set found = [] -%}
    {%- for row in run_query('describe ' ~ source_sql) -%}
        {%- do found.append((row[0], row[1])) -%}
    {%- endfor -%}
    {{- return(found) -}}
{% endmacro %}
{% macro default__catalog_source_columns(source_sql) %}
    {%- set found = [] -%}
    {%- for name in get_columns_in_query(source_sql) -%}
        {%- do found.append((name, 'VARCHAR')) -%}
    {%- endfor -%}
    {{- return(found) -}}
{% endmacro %}

{#- A catalog file's header, as written: a column named twice is an error (DuckDB would
    silently read the second one as `<name>_1`); a column the catalog does not have is a
    warning naming it and the column it probably meant (extra columns such as notes are fine,
    but a typo would leave a fact silently unloaded). -#}
{% macro _check_catalog_header(path, present, described) %}
    {%- set header = [] -%}
    {%- if path is none -%}
        {%- do header.extend(present) -%}
    {%- elif (path | lower).endswith('.parquet') -%}
        {%- set quoted = "'" ~ (path | replace("'", "''")) ~ "'" -%}
        {%- for row in run_query('select name from parquet_schema(' ~ quoted ~ ') where num_children is null') -%}
            {%- do header.append(row[0]) -%}
        {%- endfor -%}
    {%- else -%}
        {%- set quoted = "'" ~ (path | replace("'", "''")) ~ "'" -%}
        {%- set first_line = run_query('select * from read_csv(' ~ quoted
            ~ ', header = false, all_varchar = true) limit 1') -%}
        {%- for cell in first_line.rows[0] if first_line.rows | length > 0 -%}
            {%- do header.append(cell or '') -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set seen = [] -%}
    {%- set repeated = [] -%}
    {%- for name in header -%}
        {%- set key = name | trim | lower -%}
        {%- if key in seen and key not in repeated -%}
            {%- do repeated.append(key) -%}
        {%- endif -%}
        {%- do seen.append(key) -%}
    {%- endfor -%}
    {%- if repeated -%}
        {{ exceptions.raise_compiler_error(
            described ~ ': column(s) named more than once in the header: ' ~ repeated | join(', ')
            ~ ' (each catalog column must appear once; rename or remove the repeated one)') }}
    {%- endif -%}
    {%- for name in seen if name not in catalog_columns() and name != '' -%}
        {%- set closest = _closest_name(name, catalog_columns()) -%}
        {%- do exceptions.warn(described ~ ": column '" ~ name ~ "' is not a catalog column and is ignored"
            ~ (" (did you mean '" ~ closest ~ "'?)" if closest else '')) -%}
    {%- endfor -%}
{% endmacro %}

{#- Text trimmed of spaces, empty as null. Most values have nothing to trim, and testing the
    two ends is cheaper than copying every string through trim(): on a million rows it saves
    a third of staging's reading time. -#}
{% macro trimmed_text(text) -%}
    case
        when {{ text }} like ' %' or {{ text }} like '% ' or {{ text }} = '' then nullif(trim({{ text }}), '')
        else {{ text }}
    end
{%- endmacro %}

{#- The catalog's labels in canonical spelling: `relation`'s rows plus, per label, the
    vocabulary's value (<feature>_value, null for an unknown or refused spelling) and its hint
    (<feature>_hint, what to write instead of a refused one), matched case-insensitively. The
    vocabulary is joined as itself, not as a CTE: a CTE read eight times is materialised. -#}
{% macro canonical_labels(relation) -%}
    {%- set features = label_features() %}
    select
        catalog.*,
        {%- for feature in features %}
        {{ feature }}_label.value as {{ feature }}_value,
        {{ feature }}_label.hint as {{ feature }}_hint{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }} as catalog
    {% for feature in features -%}
    left join {{ ref('stg_vocabulary') }} as {{ feature }}_label
        on
            {{ feature }}_label.feature = '{{ feature }}'
            and lower(catalog.{{ feature }}) = {{ feature }}_label.label_key
    {% endfor -%}
{%- endmacro %}

{#- Every label column of the catalog: the four the note scores, then the finer facts. -#}
{% macro label_features() -%}
    {{ return(['attention', 'ffn', 'activation', 'norm',
        'attention_window', 'position_encoding', 'qk_norm', 'tie_word_embeddings',
        'sequence_mixer', 'norm_placement']) }}
{%- endmacro %}
