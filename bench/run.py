"""Benchmark the dbt models on hub-sized synthetic catalogs read in place (`catalog_path`).

    .venv/bin/python bench/run.py [--sizes 100000 1000000] [--repeats 3] [--build-repeats 1]

For each size N: generate (or reuse) bench/out/catalog-nN-seed42-v1.parquet; load the small
seeds once (`dbt seed`, untimed); time `dbt run` --repeats times and `dbt build` as `make
build` runs it (seeds, models and every data test; the unit tests read fixed fixtures, not the
catalog, and run in `make test`) --build-repeats times, each under `/usr/bin/time -v` for its
peak RSS, into bench/out/bench-N.duckdb with --target-path bench/out/target-N; time dbt's own
start-up, an invocation that selects nothing; then time the
hand-written bench/reference_query.sql (in-process DuckDB, a fresh in-memory connection per
repeat) and, when pandas is installed, a plain pandas version. Before printing anything the
dbt table rarity_scores and the reference result must hold the same model_ids with the same
rarity_score to 1e-9, or the script stops with the differences.

Reported (medians over the repeats): the dbt invocation's wall time (process start to exit:
includes Python start-up, parsing and hooks), the models' own execution time (the sum of
execution_time of the model nodes in run_results.json; with 2 threads two models may overlap,
so the sum can exceed the invocation's wall time), peak RSS, the reference query's time and
the ratio models / reference. Per-model execution times go to the table below the summary
and, with every figure, to bench/out/results-<date>.json.

Runs pass `--vars '{"catalog_path": ..., "baselines": []}'`: the synthetic model_ids are
`syn-...`, so the shipped baselines are not in the catalog (which would stop the build).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_catalog import generate

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
REFERENCE_SQL = BENCH_DIR / "reference_query.sql"
TIME_BIN = Path("/usr/bin/time")
TOLERANCE = 1e-9
# what `archrarity build` (make build) adds to `dbt build`, minus --no-write-json: the
# per-node times are read from run_results.json
MAKE_BUILD_ARGS = ("--exclude-resource-type", "unit_test")
# selects no node: dbt's start-up, parsing and exit alone
NOTHING_SELECTED = ("--select", "path:bench")


@dataclass
class DbtRun:
    """One timed dbt invocation."""

    command: str
    wall_s: float
    cpu_s: float | None
    peak_rss_mb: float | None
    models_s: float
    tests_s: float
    per_model_s: dict[str, float]
    per_test_s: dict[str, float]


@dataclass
class SizeResult:
    n_rows: int
    n_scored: int = 0
    runs: list[DbtRun] = field(default_factory=list)
    builds: list[DbtRun] = field(default_factory=list)
    startup_s: list[float] = field(default_factory=list)
    reference_s: list[float] = field(default_factory=list)
    reference_cpu_s: list[float] = field(default_factory=list)
    load_average: list[float] = field(default_factory=list)
    pandas_s: list[float] = field(default_factory=list)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def run_dbt(
    command: str,
    n_rows: int,
    label: str,
    project_dir: Path,
    dbt_vars: dict[str, Any],
    timeout_s: float,
    extra_args: Sequence[str] = (),
) -> DbtRun:
    """Run one dbt command on the size's database and target; fail loudly if dbt fails."""
    dbt = Path(sys.executable).parent / "dbt"
    target = OUT_DIR / f"target-{n_rows}"
    log_file = OUT_DIR / f"dbt-{n_rows}-{label}.log"
    time_file = OUT_DIR / f"dbt-{n_rows}-{label}.time"
    args = [
        str(dbt), command, *extra_args,
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--target-path", str(target),
        "--log-path", str(OUT_DIR / f"logs-{n_rows}"),
        "--vars", json.dumps(dbt_vars),
    ]  # fmt: skip
    if TIME_BIN.exists():
        args = [str(TIME_BIN), "-v", "-o", str(time_file), *args]
    env = {**os.environ, "ARCHRARITY_DB_PATH": str(OUT_DIR / f"bench-{n_rows}.duckdb")}
    start = time.perf_counter()
    with log_file.open("w") as log:
        completed = subprocess.run(
            args,
            cwd=project_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout_s,
            check=False,
        )
    wall_s = time.perf_counter() - start
    if completed.returncode != 0:
        tail = log_file.read_text().splitlines()[-30:]
        raise SystemExit(f"dbt {command} failed (exit {completed.returncode}) on {n_rows} rows:\n" + "\n".join(tail))

    peak_rss_mb = cpu_s = None
    if TIME_BIN.exists():
        report = dict(line.strip().rsplit(": ", 1) for line in time_file.read_text().splitlines() if ": " in line)
        peak_rss_mb = int(report["Maximum resident set size (kbytes)"]) / 1024
        cpu_s = float(report["User time (seconds)"]) + float(report["System time (seconds)"])
    results = json.loads((target / "run_results.json").read_text())["results"]
    per_model = {
        result["unique_id"].split(".")[-1]: result["execution_time"]
        for result in results
        if result["unique_id"].startswith("model.")
    }
    per_test = {
        result["unique_id"].split(".", 2)[-1]: result["execution_time"]
        for result in results
        if result["unique_id"].startswith(("test.", "unit_test."))
    }
    return DbtRun(
        command, wall_s, cpu_s, peak_rss_mb, sum(per_model.values()), sum(per_test.values()), per_model, per_test
    )


def reference_connection(catalog: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("set variable catalog_path = ?", [str(catalog)])
    return connection


def time_reference(catalog: Path) -> tuple[float, float]:
    """Wall and CPU seconds (this process, all DuckDB threads) for the hand-written query into a
    temp table, on a fresh in-memory connection."""
    sql = REFERENCE_SQL.read_text()
    with reference_connection(catalog) as connection:
        start, start_cpu = time.perf_counter(), time.process_time()
        connection.execute(f"create temp table reference_scores as {sql}")
        return time.perf_counter() - start, time.process_time() - start_cpu


def check_same_scores(catalog: Path, n_rows: int) -> int:
    """The dbt table rarity_scores equals the reference: same model_ids, scores within 1e-9."""
    sql = REFERENCE_SQL.read_text()
    with reference_connection(catalog) as connection:
        connection.execute(f"create temp table reference_scores as {sql}")
        connection.execute(f"attach '{OUT_DIR / f'bench-{n_rows}.duckdb'}' as dbt (read_only)")
        compared = """
            select
                coalesce(dbt_scores.model_id, reference_scores.model_id) as model_id,
                dbt_scores.rarity_score as dbt_rarity_score,
                reference_scores.rarity_score as reference_rarity_score
            from dbt.main.rarity_scores as dbt_scores
            full outer join reference_scores
                on dbt_scores.model_id = reference_scores.model_id
        """
        n_scored, n_bad = connection.execute(
            f"""
            select
                count(*),
                count(*) filter (
                    where dbt_rarity_score is null
                    or reference_rarity_score is null
                    or abs(dbt_rarity_score - reference_rarity_score) > {TOLERANCE}
                )
            from ({compared})
            """
        ).fetchone() or (0, 0)
        if n_bad:
            sample = connection.execute(
                f"""
                select * from ({compared})
                where dbt_rarity_score is null
                    or reference_rarity_score is null
                    or abs(dbt_rarity_score - reference_rarity_score) > {TOLERANCE}
                order by model_id
                limit 10
                """
            ).fetchall()
            lines = "\n".join(f"  {row}" for row in sample)
            raise SystemExit(
                f"MISMATCH on {n_rows} rows: {n_bad} of {n_scored} model_ids differ between dbt's "
                f"rarity_scores "
                f"and bench/reference_query.sql (missing on one side or |diff| > {TOLERANCE}); first ones "
                f"(model_id, dbt, reference):\n{lines}"
            )
    return int(n_scored)


def time_pandas(catalog: Path) -> tuple[float, Any]:
    """A straightforward pandas version of the scores (only called when pandas is installed)."""
    import pandas as pd

    start = time.perf_counter()
    frame = duckdb.read_parquet(str(catalog)).df()
    frame["family_key"] = frame["family"].str.lower()
    frame["version_key"] = (
        frame["version"].str.replace(r"(\.0+)+$", "", regex=True).str.split(".").map(lambda s: tuple(map(int, s)))
    )
    frame = frame.sort_values(
        ["family_key", "size_b", "version_key", "release_date", "model_id"],
        ascending=[True, True, False, False, True],
    )
    scored = frame.drop_duplicates(["family_key", "size_b"], keep="first").copy()
    common = scored["attention"].isin(["MHA", "MQA", "GQA"])
    scored["attention_feature"] = scored["attention"].where(~((scored["ffn"] == "MoE") & common), "MoE")
    n_models = float(len(scored))
    weights = [
        n_models / scored[column].map(scored[column].value_counts())
        for column in ("attention_feature", "activation", "norm")
    ]
    weight_context = scored["context_window"] / scored["context_window"].max() * scored["attention_feature"].nunique()
    result = pd.DataFrame(
        {
            "model_id": scored["model_id"],
            "rarity_score": (weights[0] + weights[1] + weights[2] + weight_context) / 4,
        }
    )
    return time.perf_counter() - start, result


def check_pandas(result: Any, catalog: Path) -> None:
    sql = REFERENCE_SQL.read_text()
    with reference_connection(catalog) as connection:
        connection.register("pandas_scores", result)
        n_bad = connection.execute(
            f"""
            select count(*) from ({sql}) as reference_scores
            full outer join pandas_scores using (model_id)
            where reference_scores.rarity_score is null or pandas_scores.rarity_score is null
                or abs(reference_scores.rarity_score - pandas_scores.rarity_score) > {TOLERANCE}
            """
        ).fetchone()
    if n_bad is None or n_bad[0]:
        count = "?" if n_bad is None else n_bad[0]
        raise SystemExit(f"MISMATCH: the pandas scores differ from the reference on {count} model_ids")


def bench_size(n_rows: int, args: argparse.Namespace, has_pandas: bool) -> SizeResult:
    print(f"\n== {n_rows:,} rows", flush=True)
    catalog = generate(n_rows, args.seed, ("parquet",), OUT_DIR)["parquet"]
    print(f"catalog: {catalog}", flush=True)
    db = OUT_DIR / f"bench-{n_rows}.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    dbt_vars = {"catalog_path": str(catalog), "baselines": []}
    result = SizeResult(n_rows)

    run_dbt("seed", n_rows, "seed", args.project_dir, dbt_vars, args.timeout)
    for repeat in range(args.repeats):
        run = run_dbt("run", n_rows, f"run{repeat + 1}", args.project_dir, dbt_vars, args.timeout)
        result.runs.append(run)
        print(f"dbt run   #{repeat + 1}: {run.wall_s:6.2f} s wall, models {run.models_s:6.2f} s", flush=True)
    result.n_scored = check_same_scores(catalog, n_rows)
    print(f"dbt rarity_scores = reference on all {result.n_scored:,} scored models (|diff| <= {TOLERANCE})")
    for repeat in range(args.build_repeats):
        build = run_dbt(
            "build", n_rows, f"build{repeat + 1}", args.project_dir, dbt_vars, args.timeout, MAKE_BUILD_ARGS
        )
        result.builds.append(build)
        print(
            f"dbt build #{repeat + 1}: {build.wall_s:6.2f} s wall, models {build.models_s:6.2f} s, "
            f"tests {build.tests_s:6.2f} s",
            flush=True,
        )
    if args.build_repeats:
        check_same_scores(catalog, n_rows)
    for repeat in range(args.repeats):
        idle = run_dbt("run", n_rows, f"idle{repeat + 1}", args.project_dir, dbt_vars, args.timeout, NOTHING_SELECTED)
        result.startup_s.append(idle.wall_s)
    print(f"dbt start-up (an invocation selecting nothing): {median(result.startup_s):.2f} s", flush=True)

    for _ in range(args.repeats):
        wall_s, cpu_s = time_reference(catalog)
        result.reference_s.append(wall_s)
        result.reference_cpu_s.append(cpu_s)
    print(f"reference: {median(result.reference_s):.3f} s (median of {args.repeats})", flush=True)
    if has_pandas:
        for _ in range(args.repeats):
            seconds, frame = time_pandas(catalog)
            result.pandas_s.append(seconds)
        check_pandas(frame, catalog)
        print(f"pandas: {median(result.pandas_s):.3f} s", flush=True)
    result.load_average.append(os.getloadavg()[0])
    return result


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_tables(results: list[SizeResult]) -> None:
    def cell(values: Sequence[float | None], digits: int = 2) -> str:
        return fmt(median([value for value in values if value is not None]), digits)

    header = (
        f"{'rows':>10} {'scored':>8} | {'wall':>6} {'cpu':>6} {'models':>6} {'RSS MB':>6} | "
        f"{'wall':>6} {'cpu':>6} {'models':>6} {'tests':>6} {'RSS MB':>6} | "
        f"{'wall':>6} {'cpu':>6} | {'models/ref':>10} | {'pandas':>6} | {'load':>4}"
    )
    groups = f"{'':>19} | {'dbt run':<28}| {'dbt build (as make build)':<35}| {'reference':<14}|"
    print("\nMedians, in seconds. models = sum of the model nodes' execution_time (run_results.json);")
    print("cpu = user + system time of the whole process; load = 1-minute load average at the end.")
    print(groups)
    print(header)
    print("-" * len(header))
    for size in results:
        models = median([run.models_s for run in size.runs])
        reference = median(size.reference_s)
        ratio = models / reference if models is not None and reference else None
        print(
            f"{size.n_rows:>10,} {size.n_scored:>8,} | "
            f"{cell([r.wall_s for r in size.runs]):>6} {cell([r.cpu_s for r in size.runs]):>6} "
            f"{fmt(models):>6} {cell([r.peak_rss_mb for r in size.runs], 0):>6} | "
            f"{cell([b.wall_s for b in size.builds]):>6} {cell([b.cpu_s for b in size.builds]):>6} "
            f"{cell([b.models_s for b in size.builds]):>6} {cell([b.tests_s for b in size.builds]):>6} "
            f"{cell([b.peak_rss_mb for b in size.builds], 0):>6} | "
            f"{fmt(reference, 3):>6} {cell(size.reference_cpu_s, 3):>6} | {fmt(ratio, 1):>10} | "
            f"{cell(size.pandas_s):>6} | {fmt(size.load_average[-1] if size.load_average else None, 1):>4}"
        )
    for size in results:
        print(f"{size.n_rows:>10,} rows: dbt start-up alone (an invocation selecting nothing) {cell(size.startup_s)} s")
    for size in results:
        print_breakdown(f"Per-model execution_time, dbt run, {size.n_rows:,} rows", [r.per_model_s for r in size.runs])
        print_breakdown(
            f"Slowest tests, dbt build, {size.n_rows:,} rows", [b.per_test_s for b in size.builds], limit=12
        )


def print_breakdown(title: str, timings: list[dict[str, float]], limit: int | None = None) -> None:
    """Median execution_time per node over the repeats, slowest first."""
    if not timings:
        return
    medians = {name: statistics.median(timing[name] for timing in timings) for name in timings[0]}
    ranked = sorted(medians.items(), key=lambda item: -item[1])
    print(f"\n{title} (median s, of {len(timings)}; total {sum(medians.values()):.2f})")
    for name, seconds in ranked[:limit]:
        print(f"  {name:<60} {seconds:7.3f}")
    if limit is not None and len(ranked) > limit:
        print(f"  ... {len(ranked) - limit} more, {sum(seconds for _, seconds in ranked[limit:]):.2f} s in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3, help="dbt run and reference repeats (median)")
    parser.add_argument("--build-repeats", type=int, default=1, help="full dbt build repeats (0: skip)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=BENCH_DIR.parent,
        help="dbt project to benchmark (default: this one)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per dbt invocation")
    args = parser.parse_args()
    args.project_dir = args.project_dir.resolve()
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")

    if not TIME_BIN.exists():
        print(
            f"NOTE: {TIME_BIN} is missing, so peak memory is not measured (install it: apt-get install -y time).",
            file=sys.stderr,
        )
    if shutil.which("dbt", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit(f"no dbt beside {sys.executable}: run this with the project's .venv/bin/python")
    has_pandas = importlib.util.find_spec("pandas") is not None
    if not has_pandas:
        print("pandas is not installed: the pandas comparison is skipped.")
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    results = [bench_size(n_rows, args, has_pandas) for n_rows in args.sizes]
    print_tables(results)
    record = OUT_DIR / f"results-{datetime.now():%Y%m%dT%H%M%S}.json"
    record.write_text(
        json.dumps(
            {
                "project_dir": str(args.project_dir),
                "repeats": args.repeats,
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    print(f"\nAll figures: {record}")


if __name__ == "__main__":
    main()
