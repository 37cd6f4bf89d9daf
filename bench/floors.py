"""What the project's outputs cost at the least: the same work as the dbt models, hand-written.

    .venv/bin/python bench/floors.py [--rows 1000000] [--repeats 3]

On the synthetic Parquet catalog (bench/generate_catalog.py), in one DuckDB session writing a
fresh database file (with the project's storage_compatibility_version), times:

* reference  -- bench/reference_query.sql, the yardstick of `make bench` (scores only, kept in
  memory);
* check      -- the least checking the catalog needs: required values present, model_id and
  version well-formed, numbers positive, dates not in the future, labels canonical, ids
  unique (one pass, no messages, no aliases);
* scores     -- rarity_scores as SPEC.md's outputs ask: every catalog column, the weights, the
  score, the tier, the size category, the rank and the selection, written to the file;
* superseded -- superseded_models: every dropped row with its successor, written to the file.

The last three are what any implementation of the project must do; their sum over the
reference is the lowest `models / reference` ratio `make bench` could ever print. Medians of
--repeats runs. Baselines are left out (the benchmark runs without them).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_catalog import generate
from run import OUT_DIR, time_reference

CHECK = """
select
    count(*) filter (where not coalesce(
        regexp_full_match(model_id, '[a-z0-9][a-z0-9._-]*')
        and regexp_full_match(version, '\\d+(\\.\\d+)*')
        and model_name is not null and family is not null
        and size_b > 0 and context_window > 0
        and release_date <= current_date
        and attention in ('MHA', 'MQA', 'GQA', 'MLA', 'Hybrid', 'SSM')
        and ffn in ('dense', 'MoE')
        and activation in ('SwiGLU', 'GeGLU', 'ReGLU', 'GELU', 'ReLU', 'SquaredReLU')
        and norm in ('RMSNorm', 'LayerNorm'),
        false
    )) as bad_rows,
    count(*) - count(distinct model_id) as repeated_ids
from read_parquet($catalog)
"""

SCORES = """
create or replace table rarity_scores as
with
newest_ids as (
    -- the sort carries the keys alone; the other columns are joined back
    select model_id
    from read_parquet($catalog)
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
latest as (
    select catalog.*
    from read_parquet($catalog) as catalog
    semi join newest_ids on catalog.model_id = newest_ids.model_id
),
featured as materialized (
    select
        *,
        case when ffn = 'MoE' and attention in ('MHA', 'MQA', 'GQA') then 'MoE' else attention end
            as attention_feature
    from latest
),
totals as (
    select
        cast(count(*) as double) as n_models,
        max(context_window) as max_context_window,
        count(distinct attention_feature) as n_attention_values
    from featured
),
attention_weights as (
    select attention_feature, any_value(n_models) / count(*) as weight_attention
    from featured cross join totals group by attention_feature
),
activation_weights as (
    select activation, any_value(n_models) / count(*) as weight_activation
    from featured cross join totals group by activation
),
norm_weights as (
    select norm, any_value(n_models) / count(*) as weight_norm
    from featured cross join totals group by norm
),
scored as (
    select
        featured.*,
        attention_weights.weight_attention,
        activation_weights.weight_activation,
        norm_weights.weight_norm,
        featured.context_window / totals.max_context_window * totals.n_attention_values as weight_context,
        (
            attention_weights.weight_attention + activation_weights.weight_activation
            + norm_weights.weight_norm
            + featured.context_window / totals.max_context_window * totals.n_attention_values
        ) / 4 as rarity_score,
        case
            when featured.size_b between 7 and 20 then '~8B'
            when featured.size_b between 32 and 70 then '~70B'
        end as size_category
    from featured
    cross join totals
    inner join attention_weights using (attention_feature)
    inner join activation_weights using (activation)
    inner join norm_weights using (norm)
),
scored_keys as materialized (
    select * from scored
),
ranks as (
    -- the rank sorts the keys alone, then joins back
    select
        model_id,
        row_number() over (
            partition by size_category order by rarity_score desc, release_date desc, model_id asc
        ) as rank_in_category
    from scored_keys
    where size_category is not null
),
ranked as (
    select scored_keys.*, ranks.rank_in_category
    from scored_keys
    left join ranks on scored_keys.model_id = ranks.model_id
)
select
    *,
    case when rarity_score > 10 then 'high' when rarity_score >= 5 then 'moderate' else 'low' end as rarity_tier,
    case when rank_in_category <= 5 then 'rarity' end as selection_reason
from ranked
"""

SUPERSEDED = """
create or replace table superseded_models as
select
    catalog.model_id,
    catalog.model_name,
    catalog.family,
    catalog.size_b,
    catalog.version,
    catalog.release_date,
    newest.model_id as superseded_by,
    newest.version as superseded_by_version,
    newest.release_date as superseded_by_release_date
from read_parquet($catalog) as catalog
inner join rarity_scores as newest
    on lower(catalog.family) = lower(newest.family) and catalog.size_b = newest.size_b
anti join rarity_scores as scored
    on catalog.model_id = scored.model_id
"""


def timed(connection: duckdb.DuckDBPyConnection, sql: str, catalog: Path) -> tuple[float, list]:
    start = time.perf_counter()
    rows = connection.execute(sql, {"catalog": str(catalog)}).fetchall()
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    catalog = generate(args.rows, 42, ("parquet",), OUT_DIR)["parquet"]

    times: dict[str, list[float]] = {"reference": [], "check": [], "scores": [], "superseded": []}
    for _ in range(args.repeats):
        times["reference"].append(time_reference(catalog)[0])
        with tempfile.TemporaryDirectory(dir=OUT_DIR) as scratch:
            config = {"storage_compatibility_version": "v1.1.0"}
            with duckdb.connect(str(Path(scratch) / "floors.duckdb"), config=config) as connection:
                seconds, [(bad_rows, repeated_ids)] = timed(connection, CHECK, catalog)
                if bad_rows or repeated_ids:
                    raise SystemExit(f"the synthetic catalog fails the check: {bad_rows} rows, {repeated_ids} ids")
                times["check"].append(seconds)
                times["scores"].append(timed(connection, SCORES, catalog)[0])
                times["superseded"].append(timed(connection, SUPERSEDED, catalog)[0])

    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians["check"] + medians["scores"] + medians["superseded"]
    print(f"{args.rows:,} rows, medians of {args.repeats} (seconds)")
    for name, seconds in medians.items():
        print(f"  {name:<11} {seconds:6.3f}")
    print(f"  check + scores + superseded = {floor:.3f} s = {floor / medians['reference']:.1f}x the reference")


if __name__ == "__main__":
    main()
