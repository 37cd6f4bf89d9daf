"""Publishing: only a complete, passing build replaces the database; readers never block it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import PROJECT_DIR, WORKED_EXAMPLE, query, read_catalog, run_build, write_catalog

MARTS = ["rarity_scores", "model_selection", "feature_weights", "superseded_models", "selection_coverage"]

BASELINES = {"llama-3.1-8b", "llama-3.3-70b", "foundation-sec-8b", "gpt-oss-20b", "granite-3.2-8b"}


def test_shipped_catalog_selects_the_notes_five_baselines(tmp_path):
    db = tmp_path / "archrarity.duckdb"
    build = run_build(db, tmp_path)
    assert build.returncode == 0, build.output
    assert f"Published {db}" in build.output
    selected = dict(query(db, "select model_id, selection_reason from model_selection"))
    selected_baselines = {model_id for model_id in BASELINES if selected.get(model_id, "").endswith("baseline")}
    assert selected_baselines == BASELINES
    # Granite 3.3 8B supersedes the Granite 3.2 8B baseline: kept, and the build says so
    assert "Baseline 'granite-3.2-8b' is superseded by 'granite-4.2-8b'" in build.output
    [(superseded_by, is_baseline)] = query(
        db, "select superseded_by, is_baseline from rarity_scores where model_id = 'granite-3.2-8b'"
    )
    assert (superseded_by, is_baseline) == ("granite-4.2-8b", True)
    # at least 15 models in each size class after the latest-version filter
    per_class = dict(query(db, "select size_category, count(*) from rarity_scores group by all"))
    assert per_class["~8B"] >= 15 and per_class["~70B"] >= 15


def test_published_file_opens_in_duckdb_1_1_and_later(published_worked_example):
    with duckdb.connect(str(published_worked_example), read_only=True) as connection:
        [(tags,)] = connection.sql(
            "select tags from duckdb_databases() where database_name = current_database()"
        ).fetchall()
    # storage format of DuckDB 1.0/1.1 (v1.0.0+), not the 1.2+ or 2.x formats
    assert tags["storage_version"] == "v1.0.0+"


def test_vars_pass_through_to_dbt(published_copy, tmp_path):
    dbt_vars = {"catalog_path": str(WORKED_EXAMPLE), "baselines": [], "top_n": 3}
    build = run_build(published_copy, tmp_path, dbt_vars)
    assert build.returncode == 0, build.output
    assert query(published_copy, "select count(*) from model_selection") == [(3,)]


def test_a_reader_holding_the_file_never_blocks_a_build(published_copy, tmp_path):
    reader = duckdb.connect(str(published_copy), read_only=True)
    try:
        before = reader.sql("select count(*), sum(rarity_score) from rarity_scores").fetchall()
        rows = read_catalog()[:20]  # a different catalog: 20 models instead of 55
        catalog = write_catalog(tmp_path / "catalog.csv", rows)
        build = run_build(published_copy, tmp_path, {"catalog_path": str(catalog), "baselines": []})
        assert build.returncode == 0, build.output
        # the open reader still sees the complete old version
        assert reader.sql("select count(*), sum(rarity_score) from rarity_scores").fetchall() == before
    finally:
        reader.close()
    # a new reader sees the complete new version
    assert query(published_copy, "select count(*) from rarity_scores") == [(20,)]


def test_dbt_docs_generate_describes_every_mart_column(published_copy, tmp_path):
    """`make docs` path: docs generate on the published file; every mart column is described,
    and the description is also a database comment BI tools show."""
    env = dict(
        os.environ,
        ARCHRARITY_DB_PATH=str(published_copy),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
    )
    dbt_vars = {"catalog_path": str(WORKED_EXAMPLE), "baselines": []}
    command = [str(Path(sys.executable).with_name("dbt")), "docs", "generate", "--vars", json.dumps(dbt_vars)]
    command += ["--profiles-dir", str(PROJECT_DIR), "--project-dir", str(PROJECT_DIR)]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    for mart in MARTS:
        in_database = set(catalog["nodes"][f"model.archrarity.{mart}"]["columns"])
        described = {
            name for name, column in manifest["nodes"][f"model.archrarity.{mart}"]["columns"].items()
            if column["description"]
        }
        assert in_database and in_database == described, mart
    undocumented = query(
        published_copy,
        "select table_name, column_name from duckdb_columns() "
        f"where table_name in {tuple(MARTS)} and coalesce(comment, '') = ''",
    )
    assert undocumented == []
