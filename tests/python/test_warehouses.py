"""The same answers on PostgreSQL and Spark as on DuckDB, and write-audit-publish there (issue 15).

Each target builds the same scenarios, and every mart is compared with DuckDB's row by row
(matched on its key, floats to 1e-9): the shipped catalog; SPEC's worked example (on a
warehouse a table named by catalog_relation, since catalog_path is DuckDB's); the note's
taxonomy off with the coverage selection. A bad catalog is refused on each target with the
same problem lines. While the warehouse builds run, a reader keeps querying the published marts
and checks that it never sees a half-built or missing one.

PostgreSQL is a throwaway server (archrarity.servers); Spark runs in this test process (one JVM
for all its builds, as `archrarity build --target spark` runs it). Each target's builds run once
per test run, in whichever pytest-xdist worker asks first (shared_once).
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import decimal
import fcntl
import json
import math
import os
import pickle
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from archrarity import PROJECT_DIR, warehouse
from archrarity.cli import settings_in_force
from archrarity.servers import java_home, throwaway_postgres
from conftest import ARCHRARITY, WORKED_EXAMPLE, read_catalog, run_build, write_catalog

#: Each mart's key, to match rows across targets. A mart missing here fails the comparison.
MART_KEYS = {
    "rarity_scores": ("model_id",),
    "model_selection": ("model_id",),
    "feature_weights": ("feature", "value"),
    "superseded_models": ("model_id",),
    "selection_picks": ("selection_method", "model_id"),
    "selection_comparison": ("size_category", "selection_method"),
    "selection_coverage": ("size_category", "selection_method", "feature"),
}
#: Where the tests put their input tables on a warehouse (not a schema a build publishes).
INPUT_SCHEMA = "archrarity_test_input"
WORKED_TABLE = f"{INPUT_SCHEMA}.worked_example"
BAD_TABLE = f"{INPUT_SCHEMA}.bad_catalog"
OPTIONS = {"moe_as_attention": False, "selection_method": "coverage"}

# The bad catalog: the worked example with three cells broken, as in the README's example.
BAD_CELLS = {1: ("attention", "Foo"), 10: ("size_b", "7B"), 31: ("release_date", "yesterday")}
# What every target must say about it, written from SPEC's rules and the rows above.
BAD_LINES = [
    "3 problem(s) in the catalog:",
    "  - row 1 (model_id 'deepseek-r1-8b'): attention = 'Foo' is not in the vocabulary (accepted: "
    "GQA, Hybrid, MHA, MLA, MQA, RNN, SSM; extend seeds/vocabulary.csv or seeds/vocabulary_aliases.csv)",
    "  - row 10 (model_id 'example-10'): size_b = '7B' is not a number of billions > 0 (write 12, not 12B)",
    "  - row 31 (model_id 'example-31'): release_date = 'yesterday' is not a real date written YYYY-MM-DD",
]

Rows = list[tuple[Any, ...]]
Marts = dict[str, tuple[list[str], Rows]]


def scenario_vars(scenario: str, catalog_relation: str | None) -> dict[str, object]:
    """The dbt vars of a scenario; the worked example's catalog is a file on DuckDB, a table elsewhere."""
    if scenario == "shipped":
        return {}
    if scenario == "options":
        return dict(OPTIONS)
    catalog = {"catalog_relation": catalog_relation} if catalog_relation else {"catalog_path": str(WORKED_EXAMPLE)}
    return {**catalog, "baselines": []}


def bad_catalog(path: Path) -> Path:
    rows = read_catalog()
    for row_number, (column, value) in BAD_CELLS.items():
        rows[row_number - 1][column] = value
    return write_catalog(path, rows)


def problem_lines(output: str) -> list[str]:
    """The catalog check's message as printed (its last time), one line each, without what wraps
    it on each target (dbt's prefixes, the database's error class, Spark's trailing SQLSTATE)."""
    lines: list[str] = []
    for line in output.splitlines():
        line = line.removesuffix(" SQLSTATE: P0001").rstrip()
        if header := re.search(r"\d+ problem\(s\) in the catalog:$", line):
            lines = [header.group(0)]
        elif lines and (problem := re.search(r"- row \d+ \(model_id .*$", line)):
            lines.append("  " + problem.group(0))
    return lines


def same_value(expected: Any, actual: Any) -> bool:
    if isinstance(expected, decimal.Decimal):
        expected = float(expected)
    if isinstance(actual, decimal.Decimal):
        actual = float(actual)
    if isinstance(expected, float) or isinstance(actual, float):
        if expected is None or actual is None:
            return expected is actual
        return math.isclose(float(expected), float(actual), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, datetime.datetime) or isinstance(actual, datetime.datetime):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def assert_same_marts(expected: Marts, actual: Marts, where: str, keys: dict[str, tuple[str, ...]] = MART_KEYS) -> int:
    """Every mart, every row, every column; returns the number of values compared."""
    assert sorted(actual) == sorted(expected) == sorted(keys), where
    compared = 0
    for mart, (columns, rows) in expected.items():
        actual_columns, actual_rows = actual[mart]
        assert actual_columns == columns, f"{where}: {mart}'s columns"
        key = [columns.index(column) for column in keys[mart]]
        by_key = {tuple(row[i] for i in key): row for row in actual_rows}
        assert len(by_key) == len(actual_rows) == len(rows), f"{where}: {mart} has {len(actual_rows)} rows"
        for row in rows:
            row_key = tuple(row[i] for i in key)
            other = by_key.get(row_key)
            assert other is not None, f"{where}: {mart} lacks the row {row_key}"
            for column, mine, theirs in zip(columns, row, other, strict=True):
                assert same_value(mine, theirs), f"{where}: {mart} {row_key} {column}: DuckDB {mine!r}, here {theirs!r}"
                compared += 1
    return compared


def duckdb_marts(db: Path) -> Marts:
    with duckdb.connect(str(db), read_only=True) as connection:
        tables = [
            row[0]
            for row in connection.sql(
                "select table_name from information_schema.tables"
                " where table_schema = 'main' and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        marts: Marts = {}
        for table in tables:
            result = connection.execute(f'select * from main."{table}"')
            marts[table] = ([column[0] for column in result.description], [tuple(row) for row in result.fetchall()])
    return marts


def shared_once(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, compute: Any) -> Any:
    """compute() once per test run, whichever pytest-xdist workers ask for it: the first one
    computes under a file lock and leaves the result (plain data) for the others. Each target's
    builds are minutes of work, and a Spark is one JVM: they must not run once per worker."""
    if worker_id == "master":  # not distributed
        return compute()
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, common to its workers
    result = shared / f"{name}.pickle"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            result.write_bytes(pickle.dumps(compute()))
        return pickle.loads(result.read_bytes())


@pytest.fixture(scope="session")
def duckdb_results(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, Any]:
    """DuckDB's marts for each scenario, and its output for the bad catalog: the reference."""
    return shared_once(tmp_path_factory, worker_id, "duckdb-reference", lambda: _duckdb_results(tmp_path_factory))


def _duckdb_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("duckdb-reference")
    results: dict[str, Any] = {}
    for scenario in ("shipped", "worked_example", "options"):
        db = work / f"{scenario}.duckdb"
        build = run_build(db, work / scenario, scenario_vars(scenario, None))
        assert build.returncode == 0, build.output
        results[scenario] = duckdb_marts(db)
    bad = run_build(
        work / "bad.duckdb", work / "bad", {"catalog_path": str(bad_catalog(work / "bad.csv")), "baselines": []}
    )
    assert bad.returncode != 0
    results["bad"] = bad.output
    return results


def test_duckdb_refuses_the_bad_catalog_with_the_expected_lines(duckdb_results: dict[str, Any]) -> None:
    # the reference itself is checked against lines written from SPEC's rules
    assert problem_lines(duckdb_results["bad"]) == BAD_LINES


def contract_types(adapter: str) -> dict[str, dict[str, str]]:
    """The marts' YAML data_type of every column, as dbt renders it for `adapter`."""
    import jinja2
    import yaml

    properties = yaml.safe_load((PROJECT_DIR / "models" / "marts" / "_marts__models.yml").read_text())
    return {
        model["name"]: {
            column["name"]: jinja2.Template(column["data_type"]).render(target={"type": adapter})
            for column in model["columns"]
        }
        for model in properties["models"]
        if model["name"] in MART_KEYS
    }


# How each target's catalog names the types it was asked for.
CATALOG_TYPE_NAMES = {
    "postgres": {"varchar": "character varying", "double precision": "double precision"},
    "spark": {},
}


@pytest.mark.parametrize("adapter", ["duckdb", "postgres", "spark"])
def test_contract_types_are_spelled_for_each_adapter(adapter: str) -> None:
    # DuckDB's names everywhere, except the two the others spell differently
    spelled = {
        "duckdb": {"varchar", "double"},
        "postgres": {"varchar", "double precision"},
        "spark": {"string", "double"},
    }[adapter]
    found = {kind for columns in contract_types(adapter).values() for kind in columns.values()}
    assert found == spelled | {"bigint", "boolean", "date"}


def test_mart_comparison_fails_on_any_difference() -> None:
    keys = {"toy": ("id",)}
    marts: Marts = {"toy": (["id", "x"], [(1, 0.5), (2, None)])}
    assert assert_same_marts(marts, {"toy": (["id", "x"], [(2, None), (1, 0.5 + 1e-12)])}, "toy", keys) == 4
    for changed in ([(1, 0.5 + 1e-6), (2, None)], [(1, 0.5)], [(1, 0.5), (2, 0.0)], [(1, 0.5), (3, None)]):
        with pytest.raises(AssertionError):
            assert_same_marts(marts, {"toy": (["id", "x"], changed)}, "toy", keys)
    with pytest.raises(AssertionError):  # a column renamed
        assert_same_marts(marts, {"toy": (["id", "y"], [(1, 0.5), (2, None)])}, "toy", keys)


def test_problem_lines_reads_each_targets_wrapping() -> None:
    message = "3 problem(s) in the catalog:\n  - row 1 (model_id 'a'): x\n  - row 2 (model_id 'b'): y"
    duck = f"16:02:01    Runtime Error in model m\n  Invalid Input Error: {message}"
    spark = f"  [USER_RAISED_EXCEPTION] {message} SQLSTATE: P0001\n  at org.apache"
    postgres = f"  {message}\n  CONTEXT:  PL/pgSQL function pg_temp_3.archrarity_error(text) line 1 at RAISE"
    expected = ["3 problem(s) in the catalog:", "  - row 1 (model_id 'a'): x", "  - row 2 (model_id 'b'): y"]
    assert problem_lines(duck) == problem_lines(spark) == problem_lines(postgres) == expected


# --- PostgreSQL ------------------------------------------------------------------------------


@dataclass
class Reader:
    """A BI session polling the published marts while builds run; what it saw, and what failed."""

    query: Any
    seen: set[tuple[Any, ...]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    reads: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def observed(self) -> dict[str, Any]:
        """What it saw, as plain data."""
        return {"seen": set(self.seen), "problems": list(self.problems), "reads": self.reads}

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                observed = self.query()
                self.reads += 1
                self.seen.add(observed)
            except Exception as error:
                self.problems.append(repr(error)[:300])
            time.sleep(0.05)


@contextlib.contextmanager
def reading(reader: Reader) -> Iterator[Reader]:
    thread = threading.Thread(target=reader.run, daemon=True)
    thread.start()
    try:
        yield reader
    finally:
        reader.stop.set()
        thread.join(timeout=60)


# One statement reading three marts: a mix of two builds, or a half-built schema, breaks one of
# the identities (the shipped catalog and the worked example score different numbers of models).
POSTGRES_CONSISTENCY = """
select
    (select count(*) from main.rarity_scores),
    (select max(n_models) from main.feature_weights),
    (select count(*) from main.model_selection as selected
        left join main.rarity_scores as scored
            on selected.model_id = scored.model_id and selected.rarity_score = scored.rarity_score
        where scored.model_id is null)
"""


def postgres_marts(connection: Any, schema: str = "main") -> Marts:
    marts: Marts = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE'",
            (schema,),
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'select * from "{schema}"."{table}"')
            marts[table] = ([column.name for column in cursor.description], [tuple(row) for row in cursor.fetchall()])
    connection.rollback()
    return marts


def postgres_state(connection: Any) -> list[tuple[Any, ...]]:
    """The published relations, by object id: a failed build must leave every one of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            select namespace.nspname, relation.relname, relation.oid::bigint
            from pg_class as relation inner join pg_namespace as namespace on relation.relnamespace = namespace.oid
            where namespace.nspname in ('raw', 'staging', 'intermediate', 'main') order by 1, 2
            """
        )
        state = cursor.fetchall()
    connection.rollback()
    return state


def load_postgres_table(connection: Any, table: str, path: Path) -> None:
    header = next(csv.reader(path.open(newline="")))
    with connection.cursor() as cursor:
        cursor.execute(f"create schema if not exists {INPUT_SCHEMA}")
        cursor.execute(f"drop table if exists {table}")
        cursor.execute(f"create table {table} ({', '.join(f'{name} text' for name in header)})")
        with path.open(newline="") as handle:
            cursor.copy_expert(f"copy {table} from stdin with (format csv, header)", handle)
    connection.commit()


@pytest.fixture(scope="session")
def postgres_results(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, Any]:
    """Every scenario built on a throwaway PostgreSQL with `archrarity build --target postgres`."""
    return shared_once(tmp_path_factory, worker_id, "postgres", lambda: _postgres_results(tmp_path_factory))


def _postgres_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import psycopg2

    work = tmp_path_factory.mktemp("postgres")
    with throwaway_postgres() as server:
        env = {
            **os.environ,
            **server.env(),
            "DBT_TARGET_PATH": str(work / "target"),
            "DBT_LOG_PATH": str(work / "logs"),
        }
        connection = psycopg2.connect(
            **{
                "host": server.host,
                "port": server.port,
                "user": server.user,
                "password": server.password,
                "dbname": server.database,
            }
        )
        load_postgres_table(connection, WORKED_TABLE, WORKED_EXAMPLE)
        load_postgres_table(connection, BAD_TABLE, bad_catalog(work / "bad.csv"))

        def build(dbt_vars: dict[str, object]) -> subprocess.CompletedProcess[str]:
            command = [ARCHRARITY, "build", "--target", "postgres", "--reports", str(work / "reports")]
            command += ["--vars", json.dumps(dbt_vars)]
            return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

        def consistency() -> tuple[Any, ...]:
            with reader_connection.cursor() as cursor:
                cursor.execute(POSTGRES_CONSISTENCY)
                return tuple(cursor.fetchone())

        results: dict[str, Any] = {"times": {}}
        started = time.monotonic()
        first = build({})
        results["times"]["shipped"] = time.monotonic() - started
        assert first.returncode == 0, first.stdout + first.stderr
        results["shipped"] = postgres_marts(connection)
        results["reports"] = sorted(path.name for path in (work / "reports").iterdir())
        # the reader is a BI role allowed to read main and nothing else: it must keep its access
        # through every publish (the grants move to the new schema)
        reader_password = secrets.token_urlsafe(16)
        with connection.cursor() as cursor:
            cursor.execute("create role bi_reader login password %s", (reader_password,))
            cursor.execute("grant usage on schema main to bi_reader")
            cursor.execute("grant select on all tables in schema main to bi_reader")
        connection.commit()
        reader_connection = psycopg2.connect(
            host=server.host, port=server.port, user="bi_reader", password=reader_password, dbname=server.database
        )
        reader_connection.autocommit = True
        with reading(Reader(consistency)) as reader:
            for scenario in ("worked_example", "options"):
                started = time.monotonic()
                completed = build(scenario_vars(scenario, WORKED_TABLE))
                results["times"][scenario] = time.monotonic() - started
                assert completed.returncode == 0, completed.stdout + completed.stderr
                results[scenario] = postgres_marts(connection)
            before = (postgres_state(connection), postgres_marts(connection))
            bad = build({"catalog_relation": BAD_TABLE, "baselines": []})
            results["bad"] = (bad.returncode, bad.stdout + bad.stderr)
            results["after_bad"] = (postgres_state(connection), postgres_marts(connection))
            results["before_bad"] = before
            with connection.cursor() as cursor:
                cursor.execute(
                    "select nspname from pg_namespace where nspname like 'archrarity%%' and nspname <> %s order by 1",
                    (INPUT_SCHEMA,),
                )
                results["leftover_schemas"] = [row[0] for row in cursor.fetchall()]
            connection.rollback()
        results["reader"] = reader.observed()
        # catalog_path is DuckDB's: refused before anything runs, pointing at catalog_relation
        refused = build({"catalog_path": str(WORKED_EXAMPLE)})
        results["catalog_path"] = (refused.returncode, refused.stdout + refused.stderr)
        with connection.cursor() as cursor:
            cursor.execute(
                "select table_name, column_name, data_type from information_schema.columns where table_schema = 'main'"
            )
            results["types"] = {}
            for table, column, data_type in cursor.fetchall():
                results["types"].setdefault(table, {})[column] = data_type
        connection.close()
        reader_connection.close()
        return results


@pytest.mark.parametrize("scenario", ["shipped", "worked_example", "options"])
def test_postgres_gives_duckdbs_marts(scenario: str, postgres_results: dict, duckdb_results: dict) -> None:
    compared = assert_same_marts(duckdb_results[scenario], postgres_results[scenario], f"postgres {scenario}")
    assert compared > 1000  # every mart compared, not an empty set


def test_postgres_refuses_the_bad_catalog_with_duckdbs_message(postgres_results: dict, duckdb_results: dict) -> None:
    returncode, output = postgres_results["bad"]
    assert returncode != 0
    assert problem_lines(output) == problem_lines(duckdb_results["bad"]) == BAD_LINES


def test_postgres_failed_build_leaves_the_published_schemas_as_they_were(postgres_results: dict) -> None:
    state_before, marts_before = postgres_results["before_bad"]
    state_after, marts_after = postgres_results["after_bad"]
    assert state_before and state_after == state_before  # the very same relations (object ids)
    assert marts_after == marts_before
    # the failed build stays in its scratch schemas for inspection; no replaced schema is left
    leftovers = postgres_results["leftover_schemas"]
    assert leftovers and all(name.startswith(warehouse.SCRATCH_PREFIX) for name in leftovers), leftovers


def test_postgres_refuses_catalog_path_naming_catalog_relation(postgres_results: dict) -> None:
    returncode, output = postgres_results["catalog_path"]
    assert returncode != 0
    assert "Invalid dbt var 'catalog_path'" in output and "catalog_relation" in output, output


def test_postgres_reader_never_sees_a_half_published_build(postgres_results: dict) -> None:
    reader = postgres_results["reader"]
    assert reader["problems"] == []
    assert reader["reads"] > 20
    # it read both builds (55 scored models, then the shipped catalog's count is gone) ...
    scored = {observed[0] for observed in reader["seen"]}
    assert 55 in scored and len(scored) >= 2, reader["seen"]
    # ... and every read was of one whole build
    for count, n_models, orphans in reader["seen"]:
        assert count == n_models and orphans == 0, reader["seen"]


def test_postgres_columns_have_the_contracts_types(postgres_results: dict) -> None:
    names = CATALOG_TYPE_NAMES["postgres"]
    expected = {
        mart: {column: names.get(kind, kind) for column, kind in columns.items()}
        for mart, columns in contract_types("postgres").items()
    }
    assert postgres_results["types"] == expected


def test_postgres_build_writes_the_reports(postgres_results: dict) -> None:
    assert {"index.html", "rarity_scores.png", "selection.md", "rarity_scores.parquet"} <= set(
        postgres_results["reports"]
    )


# --- Spark -----------------------------------------------------------------------------------


def spark_marts(spark: Any, database: str = "main") -> Marts:
    marts: Marts = {}
    for table in spark.catalog.listTables(database):
        frame = spark.table(f"`{database}`.`{table.name}`")
        marts[table.name] = (list(frame.columns), [tuple(row) for row in frame.collect()])
    return marts


# Each read is one mart: the guarantee on Spark is per mart (see warehouse.py).
SPARK_WHOLE_MART = [
    # the mean attention weight is the number of distinct attention values, in a whole table only
    "select count(*), round(avg(weight_attention) - count(distinct attention_feature), 9) from main.rarity_scores",
    # per feature the model counts add up to N
    "select count(*), max(abs(model_count_sum - n_models)) from (select feature, sum(model_count) as model_count_sum,"
    " max(n_models) as n_models from main.feature_weights group by feature)",
]


@pytest.fixture(scope="session")
def spark_results(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, Any]:
    """Every scenario built on a local Spark in this process, as `archrarity build --target spark`."""
    return shared_once(tmp_path_factory, worker_id, "spark", lambda: _spark_results(tmp_path_factory))


def _spark_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("spark")
    settings = {
        "JAVA_HOME": str(java_home()),
        "ARCHRARITY_SPARK_WAREHOUSE": str(work / "warehouse"),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    (work / "warehouse").mkdir()
    spark = None
    try:
        spark = warehouse.start_spark("spark", PROJECT_DIR)
        for table, path in ((WORKED_TABLE, WORKED_EXAMPLE), (BAD_TABLE, bad_catalog(work / "bad.csv"))):
            spark.sql(f"create database if not exists {INPUT_SCHEMA}")
            # one file, so the rows keep the CSV's order (the problem messages number them)
            frame = spark.read.option("header", True).csv(str(path)).coalesce(1)
            frame.write.mode("overwrite").saveAsTable(table)

        def build(dbt_vars: dict[str, object], reports: Path | None = None) -> bool:
            from archrarity.report import write_reports

            settings = settings_in_force(PROJECT_DIR, dict(dbt_vars))
            return warehouse.build_and_publish_on_warehouse(
                "spark",
                dbt_vars,
                project_dir=PROJECT_DIR,
                marts_copy=work / "marts.duckdb" if reports else None,
                before_publish=(lambda copy: write_reports(copy, reports, settings)) if reports else None,
            )

        def whole_marts() -> tuple[Any, ...]:
            return tuple(tuple(spark.sql(query).collect()[0]) for query in SPARK_WHOLE_MART)

        results: dict[str, Any] = {"times": {}}
        started = time.monotonic()
        assert build({}, reports=work / "reports")
        results["times"]["shipped"] = time.monotonic() - started
        results["shipped"] = spark_marts(spark)
        results["reports"] = sorted(path.name for path in (work / "reports").iterdir())
        with reading(Reader(whole_marts)) as reader:
            for scenario in ("worked_example", "options"):
                started = time.monotonic()
                assert build(scenario_vars(scenario, WORKED_TABLE)), scenario
                results["times"][scenario] = time.monotonic() - started
                results[scenario] = spark_marts(spark)
            before = (warehouse.published_slot(spark), spark_marts(spark))
            output = work / "bad.log"
            with output.open("w") as handle, contextlib.redirect_stdout(handle), contextlib.redirect_stderr(handle):
                published = build({"catalog_relation": BAD_TABLE, "baselines": []})
            results["bad"] = (published, output.read_text())
            results["after_bad"] = (warehouse.published_slot(spark), spark_marts(spark))
            results["before_bad"] = before
        results["reader"] = reader.observed()
        results["tables"] = {
            table.name: (
                table.tableType,
                [tuple(row) for row in spark.sql(f"describe formatted `{table.database}`.`{table.name}`").collect()],
            )
            for table in spark.catalog.listTables(warehouse.slot_prefix(warehouse.published_slot(spark)) + "main")
        }
        results["warehouse"] = work / "warehouse"
        results["types"] = {
            table.name: {column.name: column.dataType for column in spark.catalog.listColumns(f"main.{table.name}")}
            for table in spark.catalog.listTables("main")
        }
        return results
    finally:
        if spark is not None:
            spark.stop()  # the JVM ends with the session, even when a build failed
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.mark.parametrize("scenario", ["shipped", "worked_example", "options"])
def test_spark_gives_duckdbs_marts(scenario: str, spark_results: dict, duckdb_results: dict) -> None:
    compared = assert_same_marts(duckdb_results[scenario], spark_results[scenario], f"spark {scenario}")
    assert compared > 1000


def test_spark_refuses_the_bad_catalog_with_duckdbs_message(spark_results: dict, duckdb_results: dict) -> None:
    published, output = spark_results["bad"]
    assert not published
    assert problem_lines(output) == problem_lines(duckdb_results["bad"]) == BAD_LINES


def test_spark_failed_build_leaves_main_as_it_was(spark_results: dict) -> None:
    slot_before, marts_before = spark_results["before_bad"]
    slot_after, marts_after = spark_results["after_bad"]
    assert slot_before in warehouse.SPARK_SLOTS and slot_after == slot_before
    assert marts_after == marts_before


def test_spark_reader_always_finds_every_mart_whole(spark_results: dict) -> None:
    reader = spark_results["reader"]
    assert reader["problems"] == []
    assert reader["reads"] > 10
    counts = {observed[0][0] for observed in reader["seen"]}
    assert 55 in counts and len(counts) >= 2, reader["seen"]  # it read both builds
    for (_, attention_gap), (_, count_gap) in reader["seen"]:
        assert attention_gap == 0 and count_gap == 0, reader["seen"]


def test_spark_columns_have_the_contracts_types(spark_results: dict) -> None:
    assert spark_results["types"] == contract_types("spark")


def test_spark_marts_are_managed_parquet_tables_behind_views(spark_results: dict) -> None:
    assert set(spark_results["tables"]) == set(MART_KEYS)
    warehouse_dir = str(spark_results["warehouse"])
    for name, (kind, described) in spark_results["tables"].items():
        details = {row[0]: row[1] for row in described}
        assert kind == "MANAGED", name
        assert details["Provider"] == "parquet", name
        assert details["Location"].removeprefix("file:").startswith(warehouse_dir), name
    assert {"index.html", "rarity_scores.png", "selection.md"} <= set(spark_results["reports"])
