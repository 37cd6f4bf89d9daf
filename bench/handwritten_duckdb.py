"""Yardstick A: the project's outputs hand-written in DuckDB SQL, persisted to a fresh file.

    .venv/bin/python bench/handwritten_duckdb.py CATALOG.parquet OUT.duckdb

Stands alone: no project code, no dbt; it reads only the Parquet catalog and the two
vocabulary seeds (seeds/vocabulary.csv, seeds/vocabulary_aliases.csv). With the default
settings (top_n 5, tiers 10 / 5, moe_as_attention, no extra features) and no baselines
(`baselines: []`, as the benchmark runs the project) it

1. checks every catalog row as models/staging/stg_catalog_problems.sql does: required values
   present, numbers positive (whole where the column counts), release dates real and not in
   the future, labels in the vocabulary or one of its aliases (case-insensitive), model_id
   well-formed and unique, version dotted numbers; any problem stops it with the list;
2. writes SPEC's relations as tables, each with the columns and types of the project's mart
   (models/marts/_marts__models.yml): rarity_scores, model_selection, feature_weights,
   superseded_models, selection_picks (both methods), selection_comparison and
   selection_coverage; the coverage method's greedy (SPEC "Step 4, coverage") runs in Python
   over each category's distinct signatures, a few hundred rows whatever the catalog's size;
3. checkpoints and closes the file (written with storage_compatibility_version v1.1.0, as the
   project's profile does).

It prints one JSON line: the seconds from opening the database to the closed file, the rows
read and the models scored. bench/run.py times it as a process under /usr/bin/time -v.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import duckdb

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TOP_N = 5
TIER_HIGH = 10
TIER_MODERATE = 5
SIZE_CATEGORIES = (("~8B", 7, 20), ("~70B", 32, 70))
SCORED_FEATURES = ("attention", "activation", "norm")  # attention is scored as attention_feature
TRAIT_FEATURES = (*SCORED_FEATURES, "context_band")

TEXT = ("model_id", "model_name", "family", "version", "hidden_act", "source_url", "model_type")
REQUIRED_LABELS = ("attention", "ffn", "activation", "norm")
OPTIONAL_LABELS = ("attention_window", "position_encoding", "qk_norm", "tie_word_embeddings", "sequence_mixer",
                   "norm_placement")
# column -> (whole number?, required?)
NUMBERS = {
    "size_b": (False, True),
    "total_params_b": (False, False),
    "active_params_b": (False, False),
    "context_window": (True, True),
    "num_attention_heads": (True, False),
    "num_key_value_heads": (True, False),
    "kv_lora_rank": (True, False),
    "max_position_embeddings": (True, False),
    "num_experts": (True, False),
    "experts_per_token": (True, False),
    "sliding_window": (True, False),
    "num_hidden_layers": (True, False),
    "hidden_size": (True, False),
    "vocab_size": (True, False),
}
NUMBER_PROBLEMS = {
    "size_b": "is not a number of billions > 0 (write 12, not 12B)",
    "context_window": "is not a whole number of tokens > 0 (write 131072, not 128K)",
    "total_params_b": "is not a number of billions > 0",
    "active_params_b": "is not a number of billions > 0",
    "sliding_window": "is not a whole number of tokens > 0",
}
CATALOG_COLUMNS = (
    "model_id", "model_name", "family", "version", "size_b", "release_date", "attention", "ffn",
    "activation", "norm", "context_window", "total_params_b", "active_params_b",
    "num_attention_heads", "num_key_value_heads", "kv_lora_rank", "hidden_act",
    "max_position_embeddings", "num_experts", "experts_per_token", "source_url",
    "attention_window", "sliding_window", "position_encoding", "qk_norm", "tie_word_embeddings",
    "num_hidden_layers", "hidden_size", "vocab_size", "model_type", "sequence_mixer", "norm_placement",
)  # fmt: skip
REQUIRED = (*TEXT[:4], "size_b", "release_date", *REQUIRED_LABELS, "context_window")
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "UTINYINT",
                 "USMALLINT", "UINTEGER", "UBIGINT")  # fmt: skip


def trimmed(text: str) -> str:
    """Trimmed, empty as null; most values need no trim, and testing both ends is cheaper."""
    padded = f"{text} like ' %' or {text} like '% ' or {text} = ''"
    return f"case when {padded} then nullif(trim({text}), '') else {text} end"


def column_sql(name: str, parquet_type: str | None) -> tuple[str, str]:
    """(raw, typed) expressions of one catalog column read from the Parquet file's own type."""
    if parquet_type is None:  # an optional column the file lacks
        return "null::varchar", "null::varchar" if name not in NUMBERS else "null::double"
    quoted = f'"{name}"'
    if name in NUMBERS:
        whole, _ = NUMBERS[name]
        target = "bigint" if whole else "double"
        if parquet_type in NUMERIC_TYPES:
            number = f"{quoted}::double"
            raw = quoted
        else:
            raw = trimmed(f"{quoted}::varchar")
            number = f"try_cast({raw} as double)"
        checks = [f"isfinite({number})", f"{number} > 0"]
        if whole:
            checks += [f"{number} = floor({number})", f"{number} < 9007199254740992"]
        return raw, f"case when {' and '.join(checks)} then {number}::{target} end"
    if name == "release_date":
        if parquet_type == "DATE":
            return quoted, quoted
        raw = trimmed(f"{quoted}::varchar")
        return raw, f"case when regexp_matches({raw}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}') then try_cast({raw} as date) end"
    text = trimmed(f"{quoted}::varchar")
    return text, text


def load_vocabulary(connection: duckdb.DuckDBPyConnection) -> None:
    """Every accepted spelling, lower case, of each label: the canonical values and their aliases
    (an alias without a value is refused, with its hint)."""
    vocabulary = f"read_csv('{SEEDS / 'vocabulary.csv'}', header = true, all_varchar = true)"
    aliases = f"read_csv('{SEEDS / 'vocabulary_aliases.csv'}', header = true, all_varchar = true)"
    connection.execute(f"""
    create temp table spellings as
    with vocabulary as (
        select lower(trim(feature)) as feature, trim(value) as value, is_common_attention from {vocabulary}
    )
    select feature, lower(value) as label_key, value, null as hint from vocabulary
    union all
    select lower(trim(aliases.feature)), lower(trim(aliases.alias)), vocabulary.value, aliases.hint
    from {aliases} as aliases
    left join vocabulary
        on lower(trim(aliases.feature)) = vocabulary.feature and lower(trim(aliases.value)) = lower(vocabulary.value)
    """)


def common_attention(connection: duckdb.DuckDBPyConnection) -> list[str]:
    vocabulary = f"read_csv('{SEEDS / 'vocabulary.csv'}', header = true, all_varchar = true)"
    rows = connection.execute(f"select value from {vocabulary} where is_common_attention = 'true'").fetchall()
    return [row[0] for row in rows]


def define_catalog(connection: duckdb.DuckDBPyConnection, catalog: Path) -> None:
    """Views over the Parquet file: `typed` (trimmed text, checked numbers and dates, raw labels)
    and `labelled` (typed plus each label's canonical value and hint)."""
    source = f"read_parquet('{str(catalog).replace(chr(39), chr(39) * 2)}', file_row_number = true)"
    described = connection.execute(f"describe select * from {source}").fetchall()
    types = {row[0].lower(): row[1].upper() for row in described}
    missing = [name for name in REQUIRED if name not in types]
    if missing:
        raise SystemExit(f"{catalog} lacks required column(s): {', '.join(missing)}")
    selects = ["file_row_number + 1 as source_row"]
    for name in CATALOG_COLUMNS:
        raw, typed = column_sql(name, types.get(name))
        if name in NUMBERS or name == "release_date":
            selects += [f"{raw} as {name}_raw", f"{typed} as {name}"]
        else:
            selects.append(f"{typed} as {name}")
    connection.execute(f"create temp view typed as select {', '.join(selects)} from {source}")
    connection.execute(f"create temp view labelled as {with_labels('typed')}")


def with_labels(relation: str) -> str:
    """The relation's rows with each label's canonical value and hint (null for an unknown one)."""
    labels = (*REQUIRED_LABELS, *OPTIONAL_LABELS)
    label_columns = ", ".join(f"label_{f}.value as {f}_value, label_{f}.hint as {f}_hint" for f in labels)
    joins = " ".join(
        f"left join spellings as label_{f} on label_{f}.feature = '{f}' and lower(catalog.{f}) = label_{f}.label_key"
        for f in labels
    )
    return f"select catalog.*, {label_columns} from {relation} as catalog {joins}"


def row_is_valid() -> str:
    checks = [
        "regexp_full_match(model_id, '[a-z0-9][a-z0-9._-]*')",
        "regexp_full_match(version, '\\d+(\\.\\d+)*')",
        "release_date <= current_date",
        "model_name is not null",
        "family is not null",
    ]
    checks += [f"{feature}_value is not null" for feature in REQUIRED_LABELS]
    checks += [f"({feature} is null or {feature}_value is not null)" for feature in OPTIONAL_LABELS]
    for name, (_, required) in NUMBERS.items():
        checks.append(f"{name} is not null" if required else f"({name}_raw is null or {name} is not null)")
    return "coalesce(" + " and ".join(checks) + ", false)"


def check_catalog(connection: duckdb.DuckDBPyConnection) -> int:
    """Every row checked in one pass; the messages are written only when something failed."""
    n_rows, bad_rows, n_ids, n_distinct_ids = connection.execute(
        f"select count(*), count(*) filter (where not {row_is_valid()}), count(model_id), count(distinct model_id) "
        "from labelled"
    ).fetchone() or (0, 0, 0, 0)
    # the repeated ids' rows are listed only when there are some: aggregating text per id is costly
    repeated = (
        connection.execute(
            "select model_id, count(*), string_agg(source_row::varchar, ', ' order by source_row) "
            "from typed where model_id in (select model_id from typed group by model_id having count(*) > 1) "
            "group by model_id order by min(source_row)"
        ).fetchall()
        if n_ids != n_distinct_ids
        else []
    )
    if n_rows and not bad_rows and not repeated:
        return int(n_rows)
    problems = [] if n_rows else ["the catalog has no rows"]
    if bad_rows:
        problems += [row[0] for row in connection.execute(problem_query()).fetchall()]
    problems += [
        f"model_id '{model_id}' appears on {count} rows (rows {rows}): model_id must be unique"
        for model_id, count, rows in repeated
    ]
    listed = "\n".join(f"  - {problem}" for problem in problems[:50])
    more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
    raise SystemExit(f"{len(problems)} problem(s) in the catalog:\n{listed}{more}")


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def problem_query() -> str:
    """One message per problem of the failed rows: row, model_id, column, value, what is wrong."""

    def message(column: str, problem: str, value: str | None = None) -> str:
        """`problem` is SQL text (a literal or an expression)."""
        return (
            f"'row ' || source_row || ' (model_id ' || coalesce('''' || model_id || '''', 'missing') || '): "
            f"{column} = ' || coalesce('''' || {value or column}::varchar || '''', 'empty') || ' ' || {problem}"
        )

    required = literal("is required")
    model_id_pattern = literal("does not match [a-z0-9][a-z0-9._-]* (lower case, digits, . _ -)")
    cases = [
        f"case when model_id is null then {message('model_id', required)} "
        f"when not regexp_full_match(model_id, '[a-z0-9][a-z0-9._-]*') "
        f"then {message('model_id', model_id_pattern)} end",
        f"case when model_name is null then {message('model_name', required)} end",
        f"case when family is null then {message('family', required)} end",
        f"case when version is null then {message('version', required)} "
        f"when not regexp_full_match(version, '\\d+(\\.\\d+)*') then "
        f"{message('version', literal('is not dotted numbers like 3 or 3.1'))} end",
        f"case when release_date_raw is null then {message('release_date', required, 'release_date_raw')} "
        f"when release_date is null then "
        f"{message('release_date', literal('is not a real date written YYYY-MM-DD'), 'release_date_raw')} "
        f"when release_date > current_date then "
        f"{message('release_date', literal('is in the future'), 'release_date_raw')} end",
    ]
    unknown = literal("is not in the vocabulary (extend seeds/vocabulary.csv or seeds/vocabulary_aliases.csv)")
    for feature in (*REQUIRED_LABELS, *OPTIONAL_LABELS):
        when_missing = (
            f"when {feature} is null then {message(feature, required)} " if feature in REQUIRED_LABELS else ""
        )
        refused = message(feature, f"coalesce({feature}_hint, {unknown})")
        cases.append(f"case {when_missing}when {feature} is not null and {feature}_value is null then {refused} end")
    for name, (_, is_required) in NUMBERS.items():
        raw = f"{name}_raw"
        when_missing = f"when {raw} is null then {message(name, required, raw)} " if is_required else ""
        refused = message(name, literal(NUMBER_PROBLEMS.get(name, "is not a whole number > 0")), raw)
        cases.append(f"case {when_missing}when {raw} is not null and {name} is null then {refused} end")
    return (
        f"select unnest(list_filter([{', '.join(cases)}], lambda problem: problem is not null)) "
        f"from labelled where not {row_is_valid()} order by source_row"
    )


def output_columns(prefix: str = "") -> str:
    """The catalog columns as rarity_scores holds them (canonical labels)."""
    labels = (*REQUIRED_LABELS, *OPTIONAL_LABELS)
    names = []
    for name in CATALOG_COLUMNS:
        if name in ("qk_norm", "tie_word_embeddings"):
            names.append(f"{prefix}{name}_value::boolean as {name}")
        elif name in labels:
            names.append(f"{prefix}{name}_value as {name}")
        else:
            names.append(f"{prefix}{name}")
    return ",\n        ".join(names)


def context_band(column: str) -> str:
    """The smallest power of two >= the context window; the two corrections make the
    logarithm exact whatever it rounds to."""
    power = f"cast(power(2, ceil(log2({column}))) as bigint)"
    return (
        f"case when {power} < {column} then {power} * 2 "
        f"when {power} // 2 >= {column} then {power} // 2 else {power} end"
    )


def write_scores(connection: duckdb.DuckDBPyConnection) -> None:
    categories = " ".join(f"when size_b between {low} and {high} then '{name}'" for name, low, high in SIZE_CATEGORIES)
    common = ", ".join(f"'{value}'" for value in common_attention(connection))
    connection.execute(f"""
    create table rarity_scores as
    with
    -- step 1: the newest version per (family, size_b), sorting the keys alone
    newest as (
        select model_id
        from typed
        qualify row_number() over (
            partition by lower(family), size_b
            order by
                list_transform(
                    string_split(regexp_replace(version, '(\\.0+)+$', ''), '.'),
                    lambda segment: cast(segment as hugeint)
                ) desc,
                release_date desc,
                model_id asc
        ) = 1
    ),
    kept as (
        select typed.*
        from typed
        semi join newest on typed.model_id = newest.model_id
    ),
    -- the labels canonical for the kept rows only
    labelled_kept as ({with_labels("kept")}),
    latest as materialized (
        select
            {output_columns()},
            case
                when ffn_value = 'MoE' and attention_value in ({common}) then 'MoE'
                else attention_value
            end as attention_feature
        from labelled_kept
    ),
    -- step 2: N / count per value; the mean attention weight is the number of attention values
    totals as (
        select
            count(*)::double as n_models,
            max(context_window) as max_context_window,
            count(distinct attention_feature) as n_attention_values
        from latest
    ),
    attention_weights as (
        select attention_feature, any_value(n_models) / count(*) as weight_attention
        from latest cross join totals group by attention_feature
    ),
    activation_weights as (
        select activation, any_value(n_models) / count(*) as weight_activation
        from latest cross join totals group by activation
    ),
    norm_weights as (
        select norm, any_value(n_models) / count(*) as weight_norm
        from latest cross join totals group by norm
    ),
    -- step 3
    scored as materialized (
        select
            latest.*,
            attention_weights.weight_attention,
            activation_weights.weight_activation,
            norm_weights.weight_norm,
            latest.context_window / totals.max_context_window * totals.n_attention_values as weight_context,
            (
                attention_weights.weight_attention + activation_weights.weight_activation
                + norm_weights.weight_norm
                + latest.context_window / totals.max_context_window * totals.n_attention_values
            ) / 4 as rarity_score,
            case {categories} end as size_category
        from latest
        cross join totals
        inner join attention_weights on latest.attention_feature = attention_weights.attention_feature
        inner join activation_weights on latest.activation = activation_weights.activation
        inner join norm_weights on latest.norm = norm_weights.norm
    ),
    -- step 4, top_n: the rank sorts the keys alone, then joins back
    ranks as (
        select
            model_id,
            row_number() over (
                partition by size_category order by rarity_score desc, release_date desc, model_id asc
            ) as rank_in_category
        from scored
        where size_category is not null
    )
    select
        {", ".join(f"scored.{name}" for name in CATALOG_COLUMNS)},
        scored.attention_feature,
        scored.weight_attention,
        scored.weight_activation,
        scored.weight_norm,
        null::double as weight_ffn,
        null::double as weight_attention_window,
        null::double as weight_position_encoding,
        null::double as weight_qk_norm,
        null::double as weight_tie_word_embeddings,
        null::double as weight_sequence_mixer,
        null::double as weight_norm_placement,
        scored.weight_context,
        scored.rarity_score,
        case
            when scored.rarity_score > {TIER_HIGH} then 'high'
            when scored.rarity_score >= {TIER_MODERATE} then 'moderate'
            else 'low'
        end as rarity_tier,
        {context_band("scored.context_window")} as context_band,
        scored.size_category,
        ranks.rank_in_category,
        false as is_baseline,
        'top_n' as selection_method,
        case when ranks.rank_in_category <= {TOP_N} then 'rarity' end as selection_reason,
        null::bigint as pick_order,
        null::double as gain,
        null::varchar as traits_added,
        null::varchar as superseded_by
    from scored
    left join ranks on scored.model_id = ranks.model_id
    """)


def write_superseded(connection: duckdb.DuckDBPyConnection) -> None:
    # with no baselines every scored model is the newest of its (family, size_b)
    connection.execute("""
    create table superseded_models as
    select
        typed.model_id,
        typed.model_name,
        typed.family,
        typed.size_b,
        typed.version,
        typed.release_date,
        newest.model_id as superseded_by,
        newest.version as superseded_by_version,
        newest.release_date as superseded_by_release_date
    from typed
    inner join rarity_scores as newest
        on lower(typed.family) = lower(newest.family) and typed.size_b = newest.size_b
    anti join rarity_scores as scored
        on typed.model_id = scored.model_id
    """)


def write_weights(connection: duckdb.DuckDBPyConnection) -> None:
    """feature_weights, and every trait's weight (the scored features plus context_band)."""
    per_feature = " union all ".join(
        f"select '{feature}' as feature, {column}::varchar as value, count(*) as model_count "
        f"from rarity_scores group by {column}"
        for feature, column in (
            ("attention", "attention_feature"),
            ("activation", "activation"),
            ("norm", "norm"),
            ("context_band", "context_band"),
        )
    )
    connection.execute(f"""
    create temp table trait_weights as
    with counted as ({per_feature})
    select
        feature,
        value,
        model_count,
        sum(model_count) over (partition by feature)::bigint as n_models,
        sum(model_count) over (partition by feature)::double / model_count as weight
    from counted
    """)
    connection.execute("""
    create table feature_weights as
    select feature, value, model_count, n_models, weight
    from trait_weights
    where feature != 'context_band'
    """)
    connection.execute("create table model_selection as " + MODEL_SELECTION)


MODEL_SELECTION = """
select
    size_category, rank_in_category, model_id, model_name, family, size_b, attention_feature,
    activation, norm, context_window, rarity_score, rarity_tier, is_baseline, selection_method,
    selection_reason, pick_order, gain, traits_added
from rarity_scores
where selection_reason is not null
"""

SIGNATURE = (
    "'attention=' || attention_feature || ', activation=' || activation || ', norm=' || norm "
    "|| ', context_band=' || context_band::varchar"
)


def greedy_coverage(connection: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """SPEC Step 4, coverage, over each category's distinct signatures: models of one signature
    are interchangeable but for the tie order, so each signature offers its members in that
    order. Returns (size_category, model_id, pick_order, gain, traits_added)."""
    weights = {
        (feature, value): weight
        for feature, value, weight in connection.execute("select feature, value, weight from trait_weights").fetchall()
    }
    rows = connection.execute(f"""
        select
            size_category,
            attention_feature, activation, norm, context_band::varchar,
            count(*) filter (where selection_reason is not null) as n_top_n,
            -- only the first top_n members of a signature can ever be picked
            list(
                struct_pack(model_id, rarity_score, release_date)
                order by rarity_score desc, release_date desc, model_id asc
            )[1:{TOP_N}] as members
        from rarity_scores
        where size_category is not null
        group by all
    """).fetchall()
    by_category: dict[str, list[tuple[tuple[tuple[str, str], ...], list[dict[str, Any]]]]] = {}
    budgets: dict[str, int] = {}
    for category, *values, n_top_n, members in rows:
        traits = tuple(zip(TRAIT_FEATURES, values, strict=True))
        by_category.setdefault(category, []).append((traits, members))
        budgets[category] = budgets.get(category, 0) + n_top_n

    picks: list[tuple[Any, ...]] = []
    for category, signatures in by_category.items():
        covered: set[tuple[str, str]] = set()  # no baselines: nothing is covered before the first pick
        taken = [0] * len(signatures)
        for pick_order in range(1, budgets[category] + 1):
            best: tuple[Any, ...] | None = None
            for index, (traits, members) in enumerate(signatures):
                if taken[index] == len(members):
                    continue
                member = members[taken[index]]
                gain = round(sum(weights[trait] for trait in traits if trait not in covered), 9)
                # larger gain, a signature not yet selected, higher score, newer release, smaller id
                key = (-gain, taken[index] > 0, -member["rarity_score"], -member["release_date"].toordinal(),
                       member["model_id"])  # fmt: skip
                if best is None or key < best[0]:
                    best = (key, index, gain)
            if best is None:
                break
            _, index, gain = best
            traits, members = signatures[index]
            added = ", ".join(f"{feature}={value}" for feature, value in traits if (feature, value) not in covered)
            picks.append((category, members[taken[index]]["model_id"], pick_order, gain, added or None))
            covered.update(traits)
            taken[index] += 1
    return picks


def write_selections(connection: duckdb.DuckDBPyConnection) -> None:
    picks = greedy_coverage(connection)
    # the picks as literals in one statement: a few rows, and binding parameters costs more here
    values = ", ".join(
        f"({literal(category)}, {literal(model_id)}, {pick_order}, {gain!r}, "
        f"{'null' if added is None else literal(added)})"
        for category, model_id, pick_order, gain, added in picks
    )
    connection.execute(
        "create temp table coverage_picks (size_category varchar, model_id varchar, pick_order bigint, "
        "gain double, traits_added varchar)"
    )
    if picks:
        connection.execute(f"insert into coverage_picks values {values}")
    connection.execute(f"""
    create table selection_picks as
    select
        'top_n' as selection_method, size_category, model_id, model_name, rank_in_category,
        rarity_score, rarity_tier, is_baseline, selection_reason,
        null::bigint as pick_order, null::double as gain, null::varchar as traits_added,
        {SIGNATURE} as signature
    from rarity_scores
    where selection_reason is not null
    union all
    select
        'coverage', scores.size_category, scores.model_id, scores.model_name, scores.rank_in_category,
        scores.rarity_score, scores.rarity_tier, scores.is_baseline, 'coverage',
        picks.pick_order, picks.gain, picks.traits_added,
        {SIGNATURE.replace("attention_feature", "scores.attention_feature")}
    from coverage_picks as picks
    inner join rarity_scores as scores on picks.model_id = scores.model_id
    """)
    # the category's traits, and which of them each method's selection covers
    trait_columns = "attention_feature as attention, activation, norm, context_band::varchar as context_band"
    scores_trait_columns = trait_columns.replace("attention_feature", "scores.attention_feature")
    connection.execute(f"""
    create temp table category_traits as
    with
    category_signatures as (
        select distinct size_category, {trait_columns}
        from rarity_scores
        where size_category is not null
    ),
    traits as (
        select distinct size_category, feature, value
        from (unpivot category_signatures on attention, activation, norm, context_band into name feature value value)
    ),
    selected_signatures as (
        select distinct picks.selection_method, scores.size_category, {scores_trait_columns}
        from selection_picks as picks
        inner join rarity_scores as scores on picks.model_id = scores.model_id
    ),
    selected_traits as (
        select distinct selection_method, size_category, feature, value
        from (
            unpivot selected_signatures on attention, activation, norm, context_band into name feature value value
        )
    ),
    methods as (select unnest(['top_n', 'coverage']) as selection_method)
    select
        traits.size_category,
        methods.selection_method,
        traits.feature,
        traits.value,
        trait_weights.weight,
        selected_traits.value is not null as is_covered
    from traits
    cross join methods
    inner join trait_weights on traits.feature = trait_weights.feature and traits.value = trait_weights.value
    left join selected_traits
        on traits.size_category = selected_traits.size_category
        and methods.selection_method = selected_traits.selection_method
        and traits.feature = selected_traits.feature
        and traits.value = selected_traits.value
    """)
    connection.execute("""
    create table selection_comparison as
    with
    totals as (
        select
            size_category,
            selection_method,
            count(*) as traits_in_category,
            count(*) filter (where is_covered) as traits_covered,
            sum(weight) as weight_in_category,
            coalesce(sum(weight) filter (where is_covered), 0) as weight_covered
        from category_traits
        group by all
    ),
    per_signature as (
        select size_category, selection_method, count(*) as n
        from selection_picks
        group by size_category, selection_method, signature
    ),
    selections as (
        select size_category, selection_method, sum(n) as n_selected, sum(n * (n - 1) // 2) as pairs
        from per_signature
        group by all
    )
    select
        totals.size_category,
        totals.selection_method,
        coalesce(selections.n_selected, 0)::bigint as n_selected,
        totals.traits_in_category::bigint as traits_in_category,
        totals.traits_covered::bigint as traits_covered,
        totals.traits_covered::double / totals.traits_in_category as trait_share,
        totals.weight_covered / totals.weight_in_category as weight_share,
        coalesce(selections.pairs, 0)::bigint as identical_signature_pairs
    from totals
    left join selections
        on totals.size_category = selections.size_category
        and totals.selection_method = selections.selection_method
    """)
    connection.execute("""
    create table selection_coverage as
    select
        size_category,
        selection_method,
        feature,
        count(*)::bigint as values_in_category,
        count(*) filter (where is_covered)::bigint as values_selected,
        (count(*) filter (where is_covered))::double / count(*) as share_covered,
        string_agg(value, ', ' order by value) filter (where not is_covered) as values_uncovered
    from category_traits
    group by all
    """)


def run(catalog: Path, database: Path) -> dict[str, Any]:
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    start = time.perf_counter()
    connection = duckdb.connect(str(database), config={"storage_compatibility_version": "v1.1.0"})
    load_vocabulary(connection)
    define_catalog(connection, catalog)
    n_rows = check_catalog(connection)
    write_scores(connection)
    write_superseded(connection)
    write_weights(connection)
    write_selections(connection)
    n_scored = (connection.execute("select count(*) from rarity_scores").fetchone() or (0,))[0]
    connection.execute("checkpoint")
    connection.close()
    return {"seconds": time.perf_counter() - start, "rows": n_rows, "scored": n_scored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("catalog", type=Path, help="the Parquet catalog")
    parser.add_argument("database", type=Path, help="the DuckDB file to write (replaced)")
    args = parser.parse_args()
    print(json.dumps(run(args.catalog, args.database)))


if __name__ == "__main__":
    main()
