"""Publishing: only a complete, passing build replaces the database; readers never block it."""

from __future__ import annotations

import duckdb
from conftest import WORKED_EXAMPLE, query, read_catalog, run_build, write_catalog

BASELINES = {"llama-3.1-8b", "llama-3.3-70b", "foundation-sec-8b", "gpt-oss-20b", "granite-3.2-8b"}


def test_shipped_catalog_selects_the_notes_five_baselines(tmp_path):
    db = tmp_path / "archrarity.duckdb"
    build = run_build(db, tmp_path)
    assert build.returncode == 0, build.output
    assert f"Published {db}" in build.output
    selected = dict(query(db, "select model_id, selection_reason from model_selection"))
    assert {model_id for model_id in BASELINES if selected.get(model_id, "").endswith("baseline")} == BASELINES
    # Granite 3.3 8B supersedes the Granite 3.2 8B baseline: kept, and the build says so
    assert "Baseline 'granite-3.2-8b' is superseded by 'granite-3.3-8b'" in build.output
    [(superseded_by, is_baseline)] = query(
        db, "select superseded_by, is_baseline from rarity_scores where model_id = 'granite-3.2-8b'"
    )
    assert (superseded_by, is_baseline) == ("granite-3.3-8b", True)
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
    build = run_build(published_copy, tmp_path, {"catalog_path": str(WORKED_EXAMPLE), "baselines": [], "top_n": 3})
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
