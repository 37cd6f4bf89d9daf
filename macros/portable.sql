{#- The SQL that differs between the three targets (DuckDB, PostgreSQL, Spark), in one place.
    Each macro dispatches on the adapter (adapter.dispatch): duckdb__ is the DuckDB idiom the
    project was written in, kept exactly so DuckDB's plans do not change; postgres__ and
    spark__ say the same thing in their dialects; default__ is used where they agree.
    Arguments are SQL expressions unless said otherwise. -#}

{#- ---- types ---------------------------------------------------------------------------- -#}

{#- Text: Spark has no unbounded varchar (it needs a length); its text type is string. -#}
{% macro type_text() -%}
    {{- return(adapter.dispatch('type_text', 'archrarity')()) -}}
{%- endmacro %}
{% macro default__type_text() -%}{{- return('varchar') -}}{%- endmacro %}
{% macro spark__type_text() -%}{{- return('string') -}}{%- endmacro %}

{#- A 64-bit float: PostgreSQL spells it double precision. -#}
{% macro type_double() -%}
    {{- return(adapter.dispatch('type_double', 'archrarity')()) -}}
{%- endmacro %}
{% macro default__type_double() -%}{{- return('double') -}}{%- endmacro %}
{% macro postgres__type_double() -%}{{- return('double precision') -}}{%- endmacro %}

{#- ---- text and patterns ------------------------------------------------------------------ -#}

{#- A regular expression as a string literal. Spark's string literals read backslashes as
    escapes ('\d' is 'd'), so its patterns are raw literals. `pattern` is plain text. -#}
{% macro pattern_literal(pattern) -%}
    {{- return(adapter.dispatch('pattern_literal', 'archrarity')(pattern)) -}}
{%- endmacro %}
{% macro default__pattern_literal(pattern) -%}
    {{- return("'" ~ pattern | replace("'", "''") ~ "'") -}}
{%- endmacro %}
{% macro spark__pattern_literal(pattern) -%}
    {{- return("r'" ~ pattern ~ "'") -}}
{%- endmacro %}

{#- Whether the whole of `text` matches `pattern` (plain text, RE2/POSIX/Java common ground). -#}
{% macro regexp_full_match(text, pattern) -%}
    {{- return(adapter.dispatch('regexp_full_match', 'archrarity')(text, pattern)) -}}
{%- endmacro %}
{% macro duckdb__regexp_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, {{ pattern_literal(pattern) }})
{%- endmacro %}
{% macro postgres__regexp_full_match(text, pattern) -%}
    ({{ text }} ~ {{ pattern_literal('^(?:' ~ pattern ~ ')$') }})
{%- endmacro %}
{#- Java's $ also matches before a final line break; \z is the very end -#}
{% macro spark__regexp_full_match(text, pattern) -%}
    ({{ text }} rlike {{ pattern_literal('^(?:' ~ pattern ~ ')\\z') }})
{%- endmacro %}

{#- Whether `pattern` matches somewhere in `text` (anchor it with ^ and $ to say where). -#}
{% macro regexp_matches(text, pattern) -%}
    {{- return(adapter.dispatch('regexp_matches', 'archrarity')(text, pattern)) -}}
{%- endmacro %}
{% macro duckdb__regexp_matches(text, pattern) -%}
    regexp_matches({{ text }}, {{ pattern_literal(pattern) }})
{%- endmacro %}
{% macro postgres__regexp_matches(text, pattern) -%}
    ({{ text }} ~ {{ pattern_literal(pattern) }})
{%- endmacro %}
{% macro spark__regexp_matches(text, pattern) -%}
    ({{ text }} rlike {{ pattern_literal(pattern) }})
{%- endmacro %}

{#- The values of `expression` joined by `separator` in the order of `order_by`, optionally
    only the rows where `filter` holds. Spark orders an aggregate with WITHIN GROUP. -#}
{% macro ordered_string_agg(expression, separator, order_by, filter=none) -%}
    {{- return(adapter.dispatch('ordered_string_agg', 'archrarity')(expression, separator, order_by, filter)) -}}
{%- endmacro %}
{% macro default__ordered_string_agg(expression, separator, order_by, filter) -%}
    string_agg({{ expression }}, {{ separator }} order by {{ order_by }})
    {%- if filter is not none %}
                            filter (where {{ filter }})
    {%- endif %}
{%- endmacro %}
{% macro spark__ordered_string_agg(expression, separator, order_by, filter) -%}
    string_agg({{ expression }}, {{ separator }}) within group (order by {{ order_by }})
    {%- if filter is not none %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{#- ---- numbers and dates ------------------------------------------------------------------ -#}

{#- A positive number read from text, or null when the text is not one.
    whole=true also requires an integer value (131072 or 131072.0, not 131072.5 or 128K).
    DuckDB's try_cast decides what a number is; PostgreSQL and Spark have no such lenient cast
    (PostgreSQL's cast fails the query, Spark's accepts '12d'), so there a pattern decides:
    digits with an optional point and exponent. -#}
{% macro positive_number(column, whole=false) -%}
    {{- return(adapter.dispatch('positive_number', 'archrarity')(column, whole)) -}}
{%- endmacro %}
{% macro duckdb__positive_number(column, whole) -%}
    case
        when
            isfinite(try_cast({{ column }} as double))
            and try_cast({{ column }} as double) > 0
            {%- if whole %}
            and try_cast({{ column }} as double) = floor(try_cast({{ column }} as double))
            and try_cast({{ column }} as double) < 9007199254740992
            {%- endif %}
            then try_cast({{ column }} as double){{ '::bigint' if whole }}
    end
{%- endmacro %}
{#- Nested cases: PostgreSQL evaluates the conditions of one AND in any order, and a cast of
    text that is not a number would fail the query. Exponents of up to three digits. -#}
{% macro postgres__positive_number(column, whole) -%}
    case
        when {{ regexp_full_match(column, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?') }}
            then case
                when
                    cast({{ column }} as numeric) > 0
                    and cast({{ column }} as numeric) < 1e308
                    {%- if whole %}
                    and cast({{ column }} as numeric) = floor(cast({{ column }} as numeric))
                    and cast({{ column }} as numeric) < 9007199254740992
                    {%- endif %}
                    then cast(cast({{ column }} as double precision) as {{ 'bigint' if whole else 'double precision' }})
            end
    end
{%- endmacro %}
{% macro spark__positive_number(column, whole) -%}
    case
        when
            {{ regexp_full_match(column, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?') }}
            and cast({{ column }} as double) > 0
            and cast({{ column }} as double) < double('Infinity')
            {%- if whole %}
            and cast({{ column }} as double) = floor(cast({{ column }} as double))
            and cast({{ column }} as double) < 9007199254740992
            {%- endif %}
            then cast({{ column }} as {{ 'bigint' if whole else 'double' }})
    end
{%- endmacro %}

{#- The date in `column` (text, or already a date), written YYYY-MM-DD at the start of the
    text, or null when it is not a real date. -#}
{% macro date_from_text(column) -%}
    {{- return(adapter.dispatch('date_from_text', 'archrarity')(column)) -}}
{%- endmacro %}
{% macro duckdb__date_from_text(column) -%}
    case
            when regexp_matches(cast({{ column }} as varchar), '^\d{4}-\d{2}-\d{2}')
                then try_cast({{ column }} as date)
        end
{%- endmacro %}
{#- No lenient cast: the month and day are checked first (a date one month after the 1st of
    its month, day - 1 days on, is in the same month exactly when the day exists). -#}
{% macro postgres__date_from_text(column) -%}
    {%- set text = 'cast(' ~ column ~ ' as varchar)' -%}
    {%- set year = 'cast(substr(' ~ text ~ ', 1, 4) as integer)' -%}
    {%- set month = 'cast(substr(' ~ text ~ ', 6, 2) as integer)' -%}
    {%- set day = 'cast(substr(' ~ text ~ ', 9, 2) as integer)' -%}
    case
        when {{ regexp_matches(text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
            then case
                when {{ year }} >= 1 and {{ month }} between 1 and 12 and {{ day }} between 1 and 31
                    then case
                        when extract(month from make_date({{ year }}, {{ month }}, 1) + ({{ day }} - 1)) = {{ month }}
                            then make_date({{ year }}, {{ month }}, {{ day }})
                    end
            end
    end
{%- endmacro %}
{% macro spark__date_from_text(column) -%}
    {%- set text = 'cast(' ~ column ~ ' as string)' -%}
    case
        when {{ regexp_matches(text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
            then try_cast(substr({{ text }}, 1, 10) as date)
    end
{%- endmacro %}

{#- A version's segments as a list of integers that sorts as versions do (3.10 > 3.9; trailing
    .0 segments dropped so 3 = 3.0). Integers of any length: hugeint, numeric, decimal(38). -#}
{% macro version_key(version) -%}
    {{- return(adapter.dispatch('version_key', 'archrarity')(version)) -}}
{%- endmacro %}
{% macro duckdb__version_key(version) -%}
    list_transform(
            string_split(regexp_replace({{ version }}, '(\.0+)+$', ''), '.'),
            lambda segment: cast(segment as hugeint)
        )
{%- endmacro %}
{% macro postgres__version_key(version) -%}
    cast(string_to_array(regexp_replace({{ version }}, '(\.0+)+$', ''), '.') as numeric[])
{%- endmacro %}
{% macro spark__version_key(version) -%}
    transform(
            split(regexp_replace({{ version }}, r'(\.0+)+$', ''), r'\.'),
            segment -> cast(segment as decimal(38, 0))
        )
{%- endmacro %}

{#- a / b as a float whatever the operands' types (PostgreSQL divides integers as integers). -#}
{% macro float_divide(numerator, denominator) -%}
    {{- return(adapter.dispatch('float_divide', 'archrarity')(numerator, denominator)) -}}
{%- endmacro %}
{% macro default__float_divide(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}
{% macro postgres__float_divide(numerator, denominator) -%}
    cast({{ numerator }} as double precision) / {{ denominator }}
{%- endmacro %}

{#- A float rounded to `digits` decimals (PostgreSQL rounds numerics only). -#}
{% macro round_float(value, digits) -%}
    {{- return(adapter.dispatch('round_float', 'archrarity')(value, digits)) -}}
{%- endmacro %}
{% macro default__round_float(value, digits) -%}
    round({{ value }}, {{ digits }})
{%- endmacro %}
{% macro postgres__round_float(value, digits) -%}
    cast(round(cast({{ value }} as numeric), {{ digits }}) as double precision)
{%- endmacro %}

{#- The base-2 logarithm (PostgreSQL has only ln and log10 for floats). -#}
{% macro log2(value) -%}
    {{- return(adapter.dispatch('log2', 'archrarity')(value)) -}}
{%- endmacro %}
{% macro default__log2(value) -%}
    log2({{ value }})
{%- endmacro %}
{% macro postgres__log2(value) -%}
    (ln({{ value }}) / ln(2))
{%- endmacro %}

{#- Any one value of the group (PostgreSQL 15 has no any_value). -#}
{% macro any_value(value) -%}
    {{- return(adapter.dispatch('any_value', 'archrarity')(value)) -}}
{%- endmacro %}
{% macro default__any_value(value) -%}
    any_value({{ value }})
{%- endmacro %}
{% macro postgres__any_value(value) -%}
    min({{ value }})
{%- endmacro %}

{#- The call block's integer expression as a bigint: Spark's row_number() is a 32-bit int,
    where DuckDB's and PostgreSQL's are bigint already (and the contracts say bigint). -#}
{% macro as_bigint() -%}
    {{- return(adapter.dispatch('as_bigint', 'archrarity')(caller)) -}}
{%- endmacro %}
{% macro default__as_bigint(body) -%}
    {{ body() }}
{%- endmacro %}
{% macro spark__as_bigint(body) -%}
    cast({{ body() }} as bigint)
{%- endmacro %}

{#- ---- rows ------------------------------------------------------------------------------ -#}

{#- 1, 2, ... in the order the rows are read. Spark numbers rows only over an ordered window,
    and reads a table's files largest first: the order is the file's name (a table written at
    once names its files in row order), then monotonically_increasing_id, which follows the
    rows within a file. -#}
{% macro row_number_as_read() -%}
    {{- return(adapter.dispatch('row_number_as_read', 'archrarity')()) -}}
{%- endmacro %}
{% macro default__row_number_as_read() -%}
    {{- return('row_number() over ()') -}}
{%- endmacro %}
{% macro spark__row_number_as_read() -%}
    {{- return('row_number() over (order by input_file_name(), monotonically_increasing_id())') -}}
{%- endmacro %}

{#- GROUP BY every selected column that is not an aggregate: DuckDB and Spark say `all`,
    PostgreSQL needs them named. `columns` is a list of expressions. -#}
{% macro group_by_all(columns) -%}
    {{- return(adapter.dispatch('group_by_all', 'archrarity')(columns)) -}}
{%- endmacro %}
{% macro default__group_by_all(columns) -%}
    group by all
{%- endmacro %}
{% macro postgres__group_by_all(columns) -%}
    group by {{ columns | join(', ') }}
{%- endmacro %}

{#- One row per (row of the relation in the call block, column of `columns`) with a non-null
    value: the columns `ids` as they are, `name` = the column's name, `value` = its value (the
    columns all of one type). The call block gives a relation name or a parenthesised query. -#}
{% macro unpivot(ids, columns, name='feature', value='value') -%}
    {{- return(adapter.dispatch('unpivot', 'archrarity')(ids, columns, name, value, caller)) -}}
{%- endmacro %}
{% macro duckdb__unpivot(ids, columns, name, value, relation) -%}
    unpivot {{ relation() }}
    on {{ columns | join(', ') }}
    into name {{ name }} value {{ value }}
{%- endmacro %}
{% macro postgres__unpivot(ids, columns, name, value, relation) -%}
    select
        {%- for id in ids %}
        unpivoted_rows.{{ id }},
        {%- endfor %}
        unpivoted.{{ name }},
        unpivoted.{{ value }}
    from {{ relation() }} as unpivoted_rows
    cross join lateral (
        values
        {%- for column in columns %}
            ('{{ column }}', unpivoted_rows.{{ column }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as unpivoted ({{ name }}, {{ value }})
    where unpivoted.{{ value }} is not null
{%- endmacro %}
{% macro spark__unpivot(ids, columns, name, value, relation) -%}
    select
        {%- for id in ids %}
        {{ id }},
        {%- endfor %}
        {{ name }},
        {{ value }}
    from {{ relation() }}
    unpivot exclude nulls ({{ value }} for {{ name }} in ({{ columns | join(', ') }}))
{%- endmacro %}

{#- The rows of the FROM clause with no match in `relation` on `condition`: DuckDB says
    `anti join`, Spark `left anti join`; PostgreSQL joins and keeps the unmatched rows, which
    needs anti_join_filter(key) as the query's WHERE (key: a column of `relation` never null). -#}
{% macro anti_join(relation, condition) -%}
    {{- return(adapter.dispatch('anti_join', 'archrarity')(relation, condition)) -}}
{%- endmacro %}
{% macro duckdb__anti_join(relation, condition) -%}
    anti join {{ relation }}
        on {{ condition }}
{%- endmacro %}
{% macro spark__anti_join(relation, condition) -%}
    left anti join {{ relation }}
        on {{ condition }}
{%- endmacro %}
{% macro default__anti_join(relation, condition) -%}
    left join {{ relation }}
        on {{ condition }}
{%- endmacro %}

{% macro anti_join_filter(key) -%}
    {{- return(adapter.dispatch('anti_join_filter', 'archrarity')(key)) -}}
{%- endmacro %}
{% macro default__anti_join_filter(key) -%}
    where {{ key }} is null
{%- endmacro %}
{% macro duckdb__anti_join_filter(key) -%}{%- endmacro %}
{% macro spark__anti_join_filter(key) -%}{%- endmacro %}

{#- The query in the call block, keeping only the rows where `condition` holds, a condition on
    its output columns that may involve window functions: DuckDB's QUALIFY; elsewhere the query
    as a subquery filtered by WHERE. With `window` (a window expression), the condition reads it
    as `qualify_window`: DuckDB computes it in QUALIFY, elsewhere the query passes it to the
    caller as an extra output column `', <window> as qualify_window'` to append to its select
    list, and `columns` (names) are the output without it. -#}
{% macro qualify(condition, window=none, columns=none) -%}
    {{- return(adapter.dispatch('qualify', 'archrarity')(condition, window, columns, caller)) -}}
{%- endmacro %}
{% macro duckdb__qualify(condition, window, columns, body) -%}
    {{ body('') if window is not none else body() }}
    qualify {{ condition | replace('qualify_window', window) if window is not none else condition }}
{%- endmacro %}
{% macro default__qualify(condition, window, columns, body) -%}
    select {{ columns | join(', ') if columns else '*' }}
    from (
        {{ body(',\n        ' ~ window ~ ' as qualify_window') if window is not none else body() }}
    ) as qualified
    where {{ condition }}
{%- endmacro %}

{#- The non-null values of the list of expressions in the call block, one row each, as a
    select-list item: DuckDB filters a list and unnests it, PostgreSQL removes the nulls from an
    array, Spark filters an array and explodes it. `name` names the lambda's argument. -#}
{% macro unnest_non_null(name) -%}
    {{- return(adapter.dispatch('unnest_non_null', 'archrarity')(name, caller)) -}}
{%- endmacro %}
{% macro duckdb__unnest_non_null(name, body) -%}
    unnest(list_filter([{{ body() }}
        ], lambda {{ name }}: {{ name }} is not null))
{%- endmacro %}
{% macro postgres__unnest_non_null(name, body) -%}
    unnest(array_remove(array[{{ body() }}
        ], null))
{%- endmacro %}
{% macro spark__unnest_non_null(name, body) -%}
    explode(filter(array({{ body() }}
        ), {{ name }} -> {{ name }} is not null))
{%- endmacro %}

{#- ---- stopping the build ------------------------------------------------------------------ -#}

{#- An expression that fails the query with `message` (a text expression) as its error.
    DuckDB: error(); Spark: raise_error(); PostgreSQL raises only from PL/pgSQL, so a function
    that does is created in this session's own temporary schema, right before the model runs
    on the same connection: no object is left behind and no privilege beyond TEMP is needed. -#}
{% macro raise_error(message) -%}
    {{- return(adapter.dispatch('raise_error', 'archrarity')(message)) -}}
{%- endmacro %}
{% macro duckdb__raise_error(message) -%}
    error({{ message }})
{%- endmacro %}
{% macro spark__raise_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}
{% macro postgres__raise_error(message) -%}
    {%- if execute -%}
        {%- do run_query(
            "create or replace function pg_temp.archrarity_error(message text) returns boolean"
            ~ " language plpgsql as $$ begin raise exception '%', message; end $$") -%}
    {%- endif -%}
    pg_temp.archrarity_error({{ message }})
{%- endmacro %}


{#- ---- the coverage greedy ---------------------------------------------------------------- -#}

{#- The greedy's picks, one step per CTE group (int_models_selected_by_coverage): the call
    block renders step `step`'s CTEs (gains_, times_picked_, chosen_, picks_, covered_), each
    step reading the previous one's picks and covered traits two or three times. DuckDB and
    PostgreSQL plan each CTE once. Spark inlines every reference to a CTE, so that chain grows
    exponentially with the steps (top_n 3 runs out of memory while planning): there the same
    greedy runs as one linear chain, each step reading the one before exactly once, carrying
    per trait row whether it is covered and how often its signature was picked, and per
    category each step's pick, which the last step's rows then list as picks_<steps>. -#}
{% macro coverage_steps(steps) -%}
    {{- return(adapter.dispatch('coverage_steps', 'archrarity')(steps, caller)) -}}
{%- endmacro %}
{% macro default__coverage_steps(steps, body) -%}
    {%- for step in range(1, steps + 1) %}
{{ body(step) }}
    {%- endfor %}
{%- endmacro %}
{% macro spark__coverage_steps(steps, body) -%}
    {%- if steps > 0 %}

-- the state before any pick: the traits the baselines' signatures have are covered
greedy_state_0 as (
    select
        size_category,
        signature,
        has_baseline,
        feature_order,
        feature,
        value,
        weight,
        max(case when has_baseline then 1 else 0 end) over (partition by size_category, feature, value) = 1
            as is_covered,
        0 as times_picked
    from signature_traits
),
    {%- for step in range(1, steps + 1) %}

-- pick {{ step }}: each signature's gain and uncovered traits, and its next member not yet picked
greedy_candidates_{{ step }} as (
    select
        state.*,
        members.model_id as candidate_model_id,
        members.rarity_score as candidate_rarity_score,
        members.release_date as candidate_release_date,
        members.model_id is not null and budgets.picks_allowed >= {{ step }} as can_pick,
        round(sum(case when not state.is_covered then state.weight else 0 end) over signature_rows, 9) as gain,
        nullif(array_join(collect_list(
            case when not state.is_covered then state.feature || '=' || state.value end
        ) over signature_rows, ', '), '') as traits_added
    from greedy_state_{{ step - 1 }} as state
    inner join budgets
        on state.size_category = budgets.size_category
    left join members
        on
            state.size_category = members.size_category
            and state.signature = members.signature
            and members.member_rank = state.times_picked + 1
    window signature_rows as (
        partition by state.size_category, state.signature
        order by state.feature_order
        rows between unbounded preceding and unbounded following
    )
),

-- the category's best candidate, in the tie order, on every row of the category
greedy_chosen_{{ step }} as (
    select
        *,
        first_value(case when can_pick then signature end) over category_order as chosen_signature,
        first_value(case when can_pick then candidate_model_id end) over category_order as chosen_model_id,
        first_value(case when can_pick then gain end) over category_order as chosen_gain,
        first_value(case when can_pick then traits_added end) over category_order as chosen_traits_added
    from greedy_candidates_{{ step }}
    window category_order as (
        partition by size_category
        order by
            can_pick desc,
            gain desc,
            -- a signature not yet selected first
            (not has_baseline and times_picked = 0) desc,
            candidate_rarity_score desc,
            candidate_release_date desc,
            candidate_model_id asc
        rows between unbounded preceding and unbounded following
    )
),

greedy_state_{{ step }} as (
    select
        size_category,
        signature,
        has_baseline,
        feature_order,
        feature,
        value,
        weight,
        is_covered
        or max(case when signature = chosen_signature then 1 else 0 end)
            over (partition by size_category, feature, value) = 1 as is_covered,
        times_picked + case when signature = chosen_signature then 1 else 0 end as times_picked,
        {%- for earlier in range(1, step) %}
        pick_{{ earlier }}_signature,
        pick_{{ earlier }}_model_id,
        pick_{{ earlier }}_gain,
        pick_{{ earlier }}_traits_added,
        {%- endfor %}
        chosen_signature as pick_{{ step }}_signature,
        chosen_model_id as pick_{{ step }}_model_id,
        chosen_gain as pick_{{ step }}_gain,
        chosen_traits_added as pick_{{ step }}_traits_added
    from greedy_chosen_{{ step }}
),
    {%- endfor %}

picks_{{ steps }} as (
    select distinct
        size_category,
        signature,
        model_id,
        pick_order,
        gain,
        traits_added
    from (
        select
            size_category,
            stack(
                {{ steps }},
                {%- for step in range(1, steps + 1) %}
                cast({{ step }} as bigint), pick_{{ step }}_signature, pick_{{ step }}_model_id, pick_{{ step }}_gain,
                pick_{{ step }}_traits_added{{ ',' if not loop.last }}
                {%- endfor %}
            ) as (pick_order, signature, model_id, gain, traits_added)
        from greedy_state_{{ steps }}
    ) as step_picks
    where model_id is not null
),
    {%- endif %}
{%- endmacro %}
