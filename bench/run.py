"""Benchmark the dbt project on hub-sized synthetic catalogs read in place (`catalog_path`),
against two yardsticks that do the same work without it.

    .venv/bin/python bench/run.py [--sizes 100000 1000000] [--repeats 3] [--build-repeats 1]

For each size N: generate (or reuse) bench/out/catalog-nN-seed42-v2.parquet; load the small
seeds once (`dbt seed`, untimed); then --repeats rounds, each of

* `dbt run` (models only) into bench/out/bench-N.duckdb;
* yardstick A, bench/handwritten_duckdb.py: the catalog check and every mart hand-written in
  DuckDB, written to bench/out/handwritten-N.duckdb (its own time, opening to closed file);
* yardstick B, bench/pandas_notebook.py: the same in plain pandas, written as Parquet files
  into bench/out/pandas-N/ (timed as a whole process);
* `archrarity build` as `make build` runs it (dbt build with the data tests, the reports, the
  publish), into bench/out/published-N.duckdb and bench/out/reports-N/, end to end;

each under `/usr/bin/time -v` for its peak RSS. Then `dbt build` as `make build` runs it
(no reports) --build-repeats times, dbt's own start-up (an invocation that selects nothing),
and the hand-written bench/reference_query.sql (scores only, in memory), as before.

Before printing any figure: every mart of dbt's file must equal yardstick A's row by row
(same columns and types; floats to 1e-9), and B's rarity_scores and model_selection must
equal them too (B's other marts are compared and reported); else it stops with the
differences.

Printed per size (medians over the repeats): Σ of the dbt models' own execution_time /
yardstick A's time (goal <= 1.5), `make build` wall / B's wall (goal < 1), dbt's peak RSS /
A's peak RSS (goal <= 1.5; for `dbt run` and for `make build`), the coverage model's own
time, make build's time in parts (dbt's start-up, models, data tests, the reports timed apart
on the published file, the rest), and the figures of the earlier bench (dbt run and build
walls, models and tests Σ, peak RSS, the reference query). Every figure goes to
bench/out/results-<date>.json.

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
HANDWRITTEN = BENCH_DIR / "handwritten_duckdb.py"
PANDAS_NOTEBOOK = BENCH_DIR / "pandas_notebook.py"
COVERAGE_MODEL = "int_models_selected_by_coverage"
# every mart and its key: yardstick A must match dbt's on each, row by row
MART_KEYS = {
    "rarity_scores": ("model_id",),
    "model_selection": ("model_id",),
    "feature_weights": ("feature", "value"),
    "superseded_models": ("model_id",),
    "selection_picks": ("selection_method", "model_id"),
    "selection_comparison": ("size_category", "selection_method"),
    "selection_coverage": ("size_category", "selection_method", "feature"),
}
# the marts yardstick B must match; its others are compared and reported
PANDAS_REQUIRED = ("rarity_scores", "model_selection")
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
class ProcessRun:
    """One timed process: a yardstick, or `archrarity build`."""

    wall_s: float
    cpu_s: float | None
    peak_rss_mb: float | None
    own_s: float | None = None  # what the process reports of itself (yardstick A: opening to closed file)


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
    handwritten: list[ProcessRun] = field(default_factory=list)
    pandas: list[ProcessRun] = field(default_factory=list)
    make_builds: list[ProcessRun] = field(default_factory=list)
    reports_s: list[float] = field(default_factory=list)
    agreement: dict[str, str] = field(default_factory=dict)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def timed_process(
    args: Sequence[str], name: str, timeout_s: float, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[ProcessRun, str]:
    """Run a process under /usr/bin/time -v (when present), its output to bench/out/<name>.log;
    return its wall, CPU and peak RSS, and its output. A failing process stops the bench."""
    log_file = OUT_DIR / f"{name}.log"
    time_file = OUT_DIR / f"{name}.time"
    command = [str(TIME_BIN), "-v", "-o", str(time_file), *args] if TIME_BIN.exists() else list(args)
    start = time.perf_counter()
    with log_file.open("w") as log:
        completed = subprocess.run(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout_s, check=False
        )
    wall_s = time.perf_counter() - start
    output = log_file.read_text()
    if completed.returncode != 0:
        tail = "\n".join(output.splitlines()[-30:])
        raise SystemExit(f"{name} failed (exit {completed.returncode}):\n{tail}")
    peak_rss_mb = cpu_s = None
    if TIME_BIN.exists():
        report = dict(line.strip().rsplit(": ", 1) for line in time_file.read_text().splitlines() if ": " in line)
        peak_rss_mb = int(report["Maximum resident set size (kbytes)"]) / 1024
        cpu_s = float(report["User time (seconds)"]) + float(report["System time (seconds)"])
    return ProcessRun(wall_s, cpu_s, peak_rss_mb), output


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
    args = [
        str(dbt), command, *extra_args,
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--target-path", str(target),
        "--log-path", str(OUT_DIR / f"logs-{n_rows}"),
        "--vars", json.dumps(dbt_vars),
    ]  # fmt: skip
    env = {**os.environ, "ARCHRARITY_DB_PATH": str(OUT_DIR / f"bench-{n_rows}.duckdb")}
    process, _ = timed_process(args, f"dbt-{n_rows}-{label}", timeout_s, env, project_dir)
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
        command,
        process.wall_s,
        process.cpu_s,
        process.peak_rss_mb,
        sum(per_model.values()),
        sum(per_test.values()),
        per_model,
        per_test,
    )


def run_handwritten(catalog: Path, n_rows: int, label: str, timeout_s: float) -> ProcessRun:
    """Yardstick A as its own process; its own time is opening the database to the closed file."""
    database = OUT_DIR / f"handwritten-{n_rows}.duckdb"
    args = [sys.executable, str(HANDWRITTEN), str(catalog), str(database)]
    process, output = timed_process(args, f"handwritten-{n_rows}-{label}", timeout_s)
    process.own_s = json.loads(output.strip().splitlines()[-1])["seconds"]
    return process


def run_pandas(catalog: Path, n_rows: int, label: str, timeout_s: float) -> ProcessRun:
    """Yardstick B, timed as a whole process (Python start-up to exit)."""
    args = [sys.executable, str(PANDAS_NOTEBOOK), str(catalog), str(OUT_DIR / f"pandas-{n_rows}")]
    return timed_process(args, f"pandas-{n_rows}-{label}", timeout_s)[0]


def run_make_build(
    n_rows: int, label: str, project_dir: Path, dbt_vars: dict[str, Any], timeout_s: float
) -> ProcessRun:
    """`archrarity build` as `make build` runs it (dbt build, data tests, reports, publish), end to
    end, with its own database, reports, dbt target and log folders."""
    archrarity = Path(sys.executable).parent / "archrarity"
    args = [
        str(archrarity), "build",
        "--db", str(OUT_DIR / f"published-{n_rows}.duckdb"),
        "--reports", str(OUT_DIR / f"reports-{n_rows}"),
        "--project-dir", str(project_dir),
        "--vars", json.dumps(dbt_vars),
    ]  # fmt: skip
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(OUT_DIR / f"target-make-{n_rows}"),
        "DBT_LOG_PATH": str(OUT_DIR / f"logs-make-{n_rows}"),
    }
    return timed_process(args, f"make-build-{n_rows}-{label}", timeout_s, env, project_dir)[0]


REPORTS_TIMER = """
import json, sys, tempfile, time
from pathlib import Path
from archrarity.cli import settings_in_force
from archrarity.report import write_reports
db, project_dir, dbt_vars = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
settings = settings_in_force(project_dir, dbt_vars)
with tempfile.TemporaryDirectory() as out:
    start = time.perf_counter()
    write_reports(db, Path(out) / "reports", settings)
    print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def time_reports(n_rows: int, label: str, project_dir: Path, dbt_vars: dict[str, Any], timeout_s: float) -> float:
    """The reports' share of `make build`: write_reports on the published file (its imports not
    counted: `archrarity build` imports them while dbt runs)."""
    args = [
        sys.executable, "-c", REPORTS_TIMER,
        str(OUT_DIR / f"published-{n_rows}.duckdb"), str(project_dir), json.dumps(dbt_vars),
    ]  # fmt: skip
    _, output = timed_process(args, f"reports-{n_rows}-{label}", timeout_s)
    return float(json.loads(output.strip().splitlines()[-1])["seconds"])


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


def compare_marts(connection: duckdb.DuckDBPyConnection, other: str, marts: Sequence[str]) -> dict[str, str]:
    """Each mart of dbt's file (attached as `dbt`) against the relation `other.format(mart)`, on
    the mart's key: same rows, every column equal (floats within TOLERANCE). Returns, per mart,
    '' when they agree, else what differs."""
    verdicts: dict[str, str] = {}
    for mart in marts:
        keys = MART_KEYS[mart]
        columns = connection.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = 'dbt' and schema_name = 'main' and table_name = ? order by column_index",
            [mart],
        ).fetchall()
        theirs = other.format(mart)
        their_columns = {row[0] for row in connection.execute(f"describe select * from {theirs}").fetchall()}
        missing = [name for name, _ in columns if name not in their_columns]
        if not columns or missing:
            verdicts[mart] = f"columns missing: {missing}" if columns else "no such mart in dbt's file"
            continue
        on = " and ".join(f"ours.{key} is not distinct from theirs.{key}" for key in keys)
        # their column cast to the mart's type: a Parquet file may hold a date as a timestamp
        their_row = ", ".join(f"cast({name} as {data_type}) as {name}" for name, data_type in columns)
        # columns are compared on the rows both sides hold; the others are counted apart
        matched = f"ours.{keys[0]} is not null and theirs.{keys[0]} is not null"
        differs = []
        for name, data_type in columns:
            if data_type in ("DOUBLE", "FLOAT"):
                condition = (
                    f"(ours.{name} is null) != (theirs.{name} is null) "
                    f"or abs(ours.{name} - theirs.{name}) > {TOLERANCE}"
                )
            else:
                condition = f"ours.{name} is distinct from theirs.{name}"
            differs.append(f"count(*) filter (where {matched} and ({condition})) as {name}")
        joined = f"from dbt.main.{mart} as ours full outer join (select {their_row} from {theirs}) as theirs on {on}"
        ours_only, theirs_only, *per_column = connection.execute(
            f"select count(*) filter (where theirs.{keys[0]} is null and ours.{keys[0]} is not null), "
            f"count(*) filter (where ours.{keys[0]} is null and theirs.{keys[0]} is not null), "
            f"{', '.join(differs)} {joined}"
        ).fetchone() or (0, 0)
        problems = [f"{ours_only} rows only in dbt's"] if ours_only else []
        problems += [f"{theirs_only} rows only in the yardstick's"] if theirs_only else []
        problems += [
            f"{name}: {count} rows differ" for (name, _), count in zip(columns, per_column, strict=True) if count
        ]
        verdicts[mart] = "; ".join(problems)
    return verdicts


def check_yardsticks(n_rows: int) -> dict[str, str]:
    """dbt's marts against yardstick A (every mart, strict) and B (rarity_scores and
    model_selection strict, the others reported)."""
    handwritten = OUT_DIR / f"handwritten-{n_rows}.duckdb"
    pandas_dir = OUT_DIR / f"pandas-{n_rows}"
    with duckdb.connect() as connection:
        connection.execute(f"attach '{OUT_DIR / f'bench-{n_rows}.duckdb'}' as dbt (read_only)")
        connection.execute(f"attach '{handwritten}' as handwritten (read_only)")
        by_a = compare_marts(connection, "handwritten.main.{}", list(MART_KEYS))
        by_b = compare_marts(connection, f"read_parquet('{pandas_dir}/{{}}.parquet')", list(MART_KEYS))
    failures = [f"A {mart}: {verdict}" for mart, verdict in by_a.items() if verdict]
    failures += [f"B {mart}: {by_b[mart]}" for mart in PANDAS_REQUIRED if by_b[mart]]
    if failures:
        raise SystemExit(
            f"MISMATCH on {n_rows} rows between dbt's marts and the yardsticks:\n  " + "\n  ".join(failures)
        )
    for mart, verdict in by_b.items():
        if verdict:
            print(f"note: pandas yardstick's {mart} differs from dbt's: {verdict}")
    return {
        **{f"handwritten.{mart}": verdict or "equal" for mart, verdict in by_a.items()},
        **{f"pandas.{mart}": verdict or "equal" for mart, verdict in by_b.items()},
    }


def bench_size(n_rows: int, args: argparse.Namespace) -> SizeResult:
    print(f"\n== {n_rows:,} rows", flush=True)
    catalog = generate(n_rows, args.seed, ("parquet",), OUT_DIR)["parquet"]
    print(f"catalog: {catalog}", flush=True)
    db = OUT_DIR / f"bench-{n_rows}.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    dbt_vars = {"catalog_path": str(catalog), "baselines": []}
    result = SizeResult(n_rows)

    run_dbt("seed", n_rows, "seed", args.project_dir, dbt_vars, args.timeout)
    # one round = each contender once, so a noisy minute on the shared machine hits them all
    for repeat in range(args.repeats):
        label = f"{repeat + 1}"
        run = run_dbt("run", n_rows, f"run{label}", args.project_dir, dbt_vars, args.timeout)
        result.runs.append(run)
        handwritten = run_handwritten(catalog, n_rows, label, args.timeout)
        result.handwritten.append(handwritten)
        notebook = run_pandas(catalog, n_rows, label, args.timeout)
        result.pandas.append(notebook)
        make_build = run_make_build(n_rows, label, args.project_dir, dbt_vars, args.timeout)
        result.make_builds.append(make_build)
        result.reports_s.append(time_reports(n_rows, label, args.project_dir, dbt_vars, args.timeout))
        print(
            f"round #{label}: dbt run {run.wall_s:6.2f} s wall, models {run.models_s:6.2f} s | "
            f"handwritten {handwritten.own_s:6.2f} s | pandas {notebook.wall_s:6.2f} s | "
            f"make build {make_build.wall_s:6.2f} s",
            flush=True,
        )
    result.agreement = check_yardsticks(n_rows)
    print(f"dbt's marts = yardstick A's on all {len(MART_KEYS)} marts, B's on {', '.join(PANDAS_REQUIRED)}")
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
    result.load_average.append(os.getloadavg()[0])
    return result


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def verdict(value: float | None, goal: float, strict: bool = False) -> str:
    if value is None:
        return "?"
    met = value < goal if strict else value <= goal
    return "met" if met else "NOT met"


def print_goals(results: list[SizeResult]) -> None:
    """The three ratios of issue 14, and the coverage model's own time."""
    print("\nGoals (medians; A = bench/handwritten_duckdb.py, B = bench/pandas_notebook.py):")
    for size in results:
        models = median([run.models_s for run in size.runs])
        a_s = median([run.own_s for run in size.handwritten if run.own_s is not None])
        a_rss = median([run.peak_rss_mb for run in size.handwritten if run.peak_rss_mb is not None])
        b_s = median([run.wall_s for run in size.pandas])
        make_s = median([run.wall_s for run in size.make_builds])
        run_rss = median([run.peak_rss_mb for run in size.runs if run.peak_rss_mb is not None])
        make_rss = median([run.peak_rss_mb for run in size.make_builds if run.peak_rss_mb is not None])
        coverage = median([run.per_model_s[COVERAGE_MODEL] for run in size.runs if COVERAGE_MODEL in run.per_model_s])
        speed, notebook = ratio(models, a_s), ratio(make_s, b_s)
        memory_run, memory_make = ratio(run_rss, a_rss), ratio(make_rss, a_rss)
        print(f"  {size.n_rows:>10,} rows:")
        print(
            f"    models Σ / A            {fmt(models):>7} s / {fmt(a_s):>6} s = {fmt(speed):>5}x  "
            f"(goal <= 1.5: {verdict(speed, 1.5)})"
        )
        print(
            f"    make build / B          {fmt(make_s):>7} s / {fmt(b_s):>6} s = {fmt(notebook):>5}x  "
            f"(goal < 1: {verdict(notebook, 1, strict=True)})"
        )
        print(
            f"    peak RSS dbt run / A    {fmt(run_rss, 0):>7} MB / {fmt(a_rss, 0):>5} MB = {fmt(memory_run):>5}x  "
            f"(goal <= 1.5: {verdict(memory_run, 1.5)})"
        )
        print(
            f"    peak RSS make build / A {fmt(make_rss, 0):>7} MB / {fmt(a_rss, 0):>5} MB = {fmt(memory_make):>5}x  "
            f"(goal <= 1.5: {verdict(memory_make, 1.5)})"
        )
        b_rss = median([run.peak_rss_mb for run in size.pandas if run.peak_rss_mb is not None])
        a_wall = median([run.wall_s for run in size.handwritten])
        print(f"    A as a process {fmt(a_wall)} s wall; B peak RSS {fmt(b_rss, 0)} MB")
        print(f"    {COVERAGE_MODEL}: {fmt(coverage, 3)} s of the models' Σ")
        # where make build's time goes: the parts measured apart, and what is left
        startup = median(size.startup_s)
        build_models = median([build.models_s for build in size.builds])
        build_tests = median([build.tests_s for build in size.builds])
        reports = median(size.reports_s)
        parts = [startup, build_models, build_tests, reports]
        rest = make_s - sum(parts) if make_s is not None and None not in parts else None  # type: ignore[arg-type]
        print(
            f"    make build {fmt(make_s)} s = dbt start-up {fmt(startup)} + models {fmt(build_models)} "
            f"+ data tests {fmt(build_tests)} + reports {fmt(reports)} + the rest {fmt(rest)} "
            "(dbt's per-node work, the final checkpoint, the publish)"
        )


def print_tables(results: list[SizeResult]) -> None:
    def cell(values: Sequence[float | None], digits: int = 2) -> str:
        return fmt(median([value for value in values if value is not None]), digits)

    header = (
        f"{'rows':>10} {'scored':>8} | {'wall':>6} {'cpu':>6} {'models':>6} {'RSS MB':>6} | "
        f"{'wall':>6} {'cpu':>6} {'models':>6} {'tests':>6} {'RSS MB':>6} | "
        f"{'wall':>6} {'cpu':>6} | {'models/ref':>10} | {'load':>4}"
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
        print(
            f"{size.n_rows:>10,} {size.n_scored:>8,} | "
            f"{cell([r.wall_s for r in size.runs]):>6} {cell([r.cpu_s for r in size.runs]):>6} "
            f"{fmt(models):>6} {cell([r.peak_rss_mb for r in size.runs], 0):>6} | "
            f"{cell([b.wall_s for b in size.builds]):>6} {cell([b.cpu_s for b in size.builds]):>6} "
            f"{cell([b.models_s for b in size.builds]):>6} {cell([b.tests_s for b in size.builds]):>6} "
            f"{cell([b.peak_rss_mb for b in size.builds], 0):>6} | "
            f"{fmt(reference, 3):>6} {cell(size.reference_cpu_s, 3):>6} | {fmt(ratio(models, reference), 1):>10} | "
            f"{fmt(size.load_average[-1] if size.load_average else None, 1):>4}"
        )
    for size in results:
        print(f"{size.n_rows:>10,} rows: dbt start-up alone (an invocation selecting nothing) {cell(size.startup_s)} s")
    print_goals(results)
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
    parser.add_argument("--repeats", type=int, default=3, help="rounds of dbt run, yardsticks, make build (median)")
    parser.add_argument("--build-repeats", type=int, default=1, help="full dbt build repeats (0: skip)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=BENCH_DIR.parent,
        help="dbt project to benchmark (default: this one)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per invocation")
    args = parser.parse_args()
    args.project_dir = args.project_dir.resolve()
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")

    if not TIME_BIN.exists():
        print(
            f"NOTE: {TIME_BIN} is missing, so peak memory is not measured (install it: apt-get install -y time).",
            file=sys.stderr,
        )
    for tool in ("dbt", "archrarity"):
        if shutil.which(tool, path=str(Path(sys.executable).parent)) is None:
            raise SystemExit(f"no {tool} beside {sys.executable}: run this with the project's .venv/bin/python")
    if importlib.util.find_spec("pandas") is None or importlib.util.find_spec("pyarrow") is None:
        raise SystemExit("the pandas yardstick needs pandas and pyarrow: pip install -r bench/requirements-bench.txt")
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    results = [bench_size(n_rows, args) for n_rows in args.sizes]
    print_tables(results)
    record = OUT_DIR / f"results-{datetime.now():%Y%m%dT%H%M%S}.json"
    record.write_text(
        json.dumps(
            {
                "project_dir": str(args.project_dir),
                "repeats": args.repeats,
                "duckdb": duckdb.__version__,
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    print(f"\nAll figures: {record}")


if __name__ == "__main__":
    main()
