"""Deterministic synthetic catalog for the benchmark: N hub-like rows with the catalog's columns.

    .venv/bin/python bench/generate_catalog.py 1000000 [--seed 42] [--format parquet csv]
        [--out-dir bench/out] [--force]

Everything is one DuckDB query over `range(N)`; every pseudo-random choice is
`hash(row, seed, salt)`, so the same N, seed and DuckDB version (pinned in requirements.txt)
give the same rows, in the same order, on every run and machine. The skew is hub-like:

* attention ~82% GQA, then MHA, MLA, MQA, Hybrid, SSM; ffn ~12% MoE (MoE folds a common
  attention into `MoE` when scored); activation ~85% SwiGLU, then GeGLU, GELU, SquaredReLU,
  ReLU, ReGLU; norm ~90% RMSNorm, 10% LayerNorm; labels in canonical spelling.
* about N/12 families of 4 sizes each, so a (family, size_b) holds ~3 checkpoints of differing
  versions (`3`, `3.0`, `3.9`, `3.10`, `2.5.1`, ...) and release dates: the latest-version filter
  drops about two thirds of the rows and meets every tie-break. ~10% of rows write the family
  in another case (`FAM12`, `fam12`), which must group with `Fam12`.
* sizes 0.5..700 (billions), ~40% in ~8B (7..20) and ~30% in ~70B (32..70), half of them
  common nominal sizes (ties on size_b), half with one decimal; contexts 2048..1048576.
* config.json facts consistent with the labels (head counts, kv_lora_rank, experts, active <
  total for MoE), so the project's label cross-check test passes.
* the finer facts (generator version 2) consistent with the project's data tests:
  attention_window `none` exactly for SSM, else ~70% global, 12% sliding, 18% local-global;
  sliding_window (512..8192) exactly when the window is sliding or local-global;
  position_encoding `none` for every SSM and half the Hybrids, else ~88% RoPE, then RoPE+NoPE,
  ALiBi, learned; qk_norm ~20% true, tie_word_embeddings ~30% true (Parquet booleans); layers,
  hidden size and vocabulary size drawn from common config values.
* model_id `syn-0000001` ... (`syn-%07d`): unique, and never one of the shipped baselines, so
  benchmark runs pass `--vars '{"baselines": []}'` (see bench/README.md).

The column order and names are exactly the header of seeds/catalog.csv (checked on each run).
Parquet columns are typed (numbers, date); the CSV is what `COPY ... (header)` writes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEED_CATALOG = PROJECT_DIR / "seeds" / "catalog.csv"
DEFAULT_OUT_DIR = PROJECT_DIR / "bench" / "out"
# Bump when the generated rows change, so cached files are not reused across versions.
GENERATOR_VERSION = 3

# Each list entry is equally likely: repetition is the weight.
CONTEXTS = (
    [2048]
    + [4096] * 3
    + [8192] * 4
    + [16384] * 2
    + [32768] * 4
    + [65536]
    + [131072] * 6
    + [128000, 200000]
    + [262144] * 2
    + [524288, 1000000, 1048576]
)

CATALOG_SQL = """
with

rows as (
    select
        i,
        -- a family has 4 size slots; ~12 rows per family, ~3 per (family, size)
        cast(hash(i, $seed, 'family') >> 1 as bigint) % $n_families as family_number,
        cast(hash(i, $seed, 'slot') >> 1 as bigint) % 4 as size_slot,
        cast(hash(i, $seed, 'attention') >> 1 as bigint) % 1000 as u_attention,
        cast(hash(i, $seed, 'ffn') >> 1 as bigint) % 100 as u_ffn,
        cast(hash(i, $seed, 'activation') >> 1 as bigint) % 1000 as u_activation,
        cast(hash(i, $seed, 'norm') >> 1 as bigint) % 100 as u_norm,
        cast(hash(i, $seed, 'version') >> 1 as bigint) as h_version,
        cast(hash(i, $seed, 'config') >> 1 as bigint) as h_config,
        -- the finer facts (version 2): salts of their own, so the columns above are unchanged
        cast(hash(i, $seed, 'window') >> 1 as bigint) % 100 as u_window,
        cast(hash(i, $seed, 'position') >> 1 as bigint) % 100 as u_position,
        cast(hash(i, $seed, 'shape') >> 1 as bigint) as h_shape
    from range($n_rows) as t (i)
),

sized as (
    select
        *,
        cast(hash(family_number, size_slot, $seed, 'band') >> 1 as bigint) % 100 as u_band,
        cast(hash(family_number, size_slot, $seed, 'size') >> 1 as bigint) as h_size
    from rows
),

labelled as (
    select
        i,
        family_number,
        h_version,
        h_config,
        u_window,
        u_position,
        h_shape,
        -- size: a band, then half the time a common nominal size, else one decimal within the band
        case
            when u_band < 8 then
                ([0.5, 1.0, 1.5, 1.8, 2.0, 2.7, 3.0, 3.8, 4.0, 6.0]::double[])[1 + h_size % 10]
            when u_band < 50 then
                case
                    when h_size % 2 = 0 then list_extract(
                        [7.0, 7.0, 8.0, 8.0, 8.0, 9.0, 12.0, 13.0, 14.0, 15.0, 20.0]::double[],
                        1 + (h_size // 2) % 11
                    )
                    else round(7 + ((h_size // 2) % 1301) / 100, 1)::double
                end
            when u_band < 60 then ([22.0, 24.0, 27.0, 30.0, 31.5]::double[])[1 + h_size % 5]
            when u_band < 90 then
                case
                    when h_size % 2 = 0 then ([32.0, 34.0, 40.0, 46.0, 56.0, 65.0, 70.0, 70.0]::double[])[
                        1 + (h_size // 2) % 8]
                    else round(32 + ((h_size // 2) % 3801) / 100, 1)::double
                end
            else list_extract(
                [72.0, 100.0, 110.0, 123.0, 141.0, 176.0, 235.0, 405.0, 480.0, 671.0, 685.0, 700.0]::double[],
                1 + h_size % 12
            )
        end as size_b,
        case
            when u_attention < 820 then 'GQA'
            when u_attention < 880 then 'MHA'
            when u_attention < 910 then 'MQA'
            when u_attention < 950 then 'MLA'
            when u_attention < 980 then 'Hybrid'
            else 'SSM'
        end as attention,
        case when u_ffn < 12 then 'MoE' else 'dense' end as ffn,
        case
            when u_activation < 850 then 'SwiGLU'
            when u_activation < 920 then 'GeGLU'
            when u_activation < 960 then 'GELU'
            when u_activation < 975 then 'SquaredReLU'
            when u_activation < 990 then 'ReLU'
            else 'ReGLU'
        end as activation,
        case when u_norm < 90 then 'RMSNorm' else 'LayerNorm' end as norm
    from sized
),

versioned as (
    select
        *,
        -- 1..5 major; shapes 3 | 3.x | 3.x.y | 3.0 | 3.x.0 so that 3 = 3.0 and 3.10 > 3.9 are met
        cast(1 + h_version % 5 as varchar) as major,
        cast((h_version // 5) % 13 as varchar) as minor,
        (h_version // 65) % 10 as shape,
        -- ~6.5 years of releases, all in the past
        date '2019-01-01' + cast((h_version // 650) % 2400 as integer) as release_date,
        (h_version // 1560000) % 20 as family_case,
        [16, 24, 32, 40, 48, 64, 96, 128][1 + h_config % 8] as heads,
        [2, 4, 8][1 + (h_config // 8) % 3] as group_size,
        [8, 16, 32, 64, 128, 256][1 + (h_config // 24) % 6] as experts,
        -- fewer than the experts (SPEC: a MoE routes each token to some of them)
        least([2, 4, 8][1 + (h_config // 144) % 3], [8, 16, 32, 64, 128, 256][1 + (h_config // 24) % 6] // 2)
            as experts_active,
        0.05 + ((h_config // 432) % 20) / 100 as active_share,
        list_extract($contexts, 1 + (h_config // 8640) % len($contexts)) as context_window
    from labelled
),

final as (
    select
        printf('syn-%07d', i + 1) as model_id,
        family || ' ' || version || ' '
        || regexp_replace(cast(size_b as varchar), '\\.0$', '') || 'B' as model_name,
        family,
        version,
        size_b,
        release_date,
        attention,
        ffn,
        activation,
        norm,
        context_window,
        case when ffn = 'MoE' then size_b end as total_params_b,
        case when ffn = 'MoE' then greatest(round(size_b * active_share, 2), 0.01) end as active_params_b,
        case when attention != 'SSM' then heads end as num_attention_heads,
        case
            when attention = 'GQA' then heads // group_size
            when attention = 'MQA' then 1
            when attention = 'Hybrid' then 8
            when attention in ('MHA', 'MLA') then heads
        end as num_key_value_heads,
        case when attention = 'MLA' then 512 end as kv_lora_rank,
        case activation
            when 'SwiGLU' then 'silu'
            when 'GeGLU' then 'gelu_pytorch_tanh'
            when 'GELU' then 'gelu'
            when 'SquaredReLU' then 'relu2'
            else 'relu'
        end as hidden_act,
        context_window as max_position_embeddings,
        case when ffn = 'MoE' then experts end as num_experts,
        case when ffn = 'MoE' then experts_active end as experts_per_token,
        'https://huggingface.co/synthetic/' || printf('syn-%07d', i + 1) as source_url,
        attention_window,
        case
            when attention_window in ('sliding', 'local-global')
                then [512, 1024, 2048, 4096, 4096, 8192][1 + (h_shape // 50000) % 6]
        end::bigint as sliding_window,
        -- an SSM has no positions; a Hybrid may use none (its Mamba layers carry the order);
        -- otherwise mostly RoPE, then RoPE+NoPE, ALiBi, learned
        case
            when attention = 'SSM' then 'none'
            when attention = 'Hybrid' and u_position < 50 then 'none'
            when u_position < 88 then 'RoPE'
            when u_position < 94 then 'RoPE+NoPE'
            when u_position < 97 then 'ALiBi'
            else 'learned'
        end as position_encoding,
        (h_shape // 300000) % 100 < 20 as qk_norm,
        (h_shape // 30000000) % 100 < 30 as tie_word_embeddings,
        [16, 24, 28, 32, 36, 40, 48, 60, 64, 80, 96, 126][1 + h_shape % 12]::bigint as num_hidden_layers,
        [1024, 2048, 2560, 3072, 4096, 5120, 6144, 8192, 12288, 16384][1 + (h_shape // 12) % 10]::bigint
            as hidden_size,
        [32000, 32768, 50257, 65536, 100352, 128256, 151936, 256000, 262144][1 + (h_shape // 120) % 9]::bigint
            as vocab_size,
        -- the 2026 taxonomy (optional in a catalog_path file; no model_type, so no rule holds the row):
        -- a Hybrid's other layers and an SSM's are state-space kinds, every other model's are none
        cast(null as varchar) as model_type,
        case
            when attention = 'SSM' then 'Mamba'
            when attention = 'Hybrid' then 'Mamba2'
            else 'none'
        end as sequence_mixer,
        case when (h_shape // 3000000) % 100 < 10 then 'sandwich' else 'pre' end as norm_placement
    from (
        select
            *,
            case
                when family_case = 0 then 'FAM' || family_number
                when family_case = 1 then 'fam' || family_number
                else 'Fam' || family_number
            end as family,
            case
                when shape < 3 then major
                when shape < 7 then major || '.' || minor
                when shape = 7 then major || '.' || minor || '.' || cast((h_config // 172800) % 4 as varchar)
                when shape = 8 then major || '.0'
                else major || '.' || minor || '.0'
            end as version,
            -- no attention layers in an SSM; else ~70% global, 12% sliding, 18% local-global
            case
                when attention = 'SSM' then 'none'
                when u_window < 70 then 'global'
                when u_window < 82 then 'sliding'
                else 'local-global'
            end as attention_window
        from versioned
    ) as named
    order by i
)

select * from final
"""


def catalog_header() -> list[str]:
    """The column names of the shipped catalog seed, in order."""
    with SEED_CATALOG.open(encoding="utf-8") as seed:
        return seed.readline().strip().split(",")


def output_path(n_rows: int, seed: int, fmt: str, out_dir: Path = DEFAULT_OUT_DIR) -> Path:
    return out_dir / f"catalog-n{n_rows}-seed{seed}-v{GENERATOR_VERSION}.{fmt}"


def generate(
    n_rows: int,
    seed: int = 42,
    formats: tuple[str, ...] = ("parquet", "csv"),
    out_dir: Path = DEFAULT_OUT_DIR,
    force: bool = False,
) -> dict[str, Path]:
    """Write the catalog of n_rows rows in each format (skipped when the file exists); return the paths."""
    if n_rows < 1:
        raise ValueError("n_rows must be >= 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {fmt: output_path(n_rows, seed, fmt, out_dir) for fmt in formats}
    todo = {fmt: path for fmt, path in paths.items() if force or not path.exists()}
    if not todo:
        return paths
    params = {
        "n_rows": n_rows,
        "n_families": max(1, n_rows // 12),
        "seed": seed,
        "contexts": CONTEXTS,
    }
    with duckdb.connect() as connection:
        connection.execute(f"create temp table catalog as {CATALOG_SQL}", params)
        columns = [row[0] for row in connection.execute("describe catalog").fetchall()]
        if columns != catalog_header():
            raise SystemExit(f"generated columns {columns} differ from the header of {SEED_CATALOG}")
        for fmt, path in todo.items():
            partial = path.with_name(path.name + ".partial")
            options = "(format parquet, compression zstd)" if fmt == "parquet" else "(format csv, header)"
            connection.execute(f"copy (select * from catalog) to '{partial}' {options}")
            partial.replace(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n_rows", type=int)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", nargs="+", choices=["parquet", "csv"], default=["parquet", "csv"])
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--force", action="store_true", help="rewrite files that already exist")
    args = parser.parse_args()
    start = time.perf_counter()
    paths = generate(args.n_rows, args.seed, tuple(args.format), args.out_dir, args.force)
    for path in paths.values():
        print(f"{path}  ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
