"""A BI tool's view of the published file: SQLAlchemy + duckdb-engine (what Superset uses), read-only."""

import subprocess
import sys

import sqlalchemy as sa

from conftest import PROJECT_DIR

MARTS = {
    "rarity_scores",
    "model_selection",
    "feature_weights",
    "superseded_models",
    "selection_coverage",
    "selection_comparison",
    "selection_picks",
}


def test_bi_tool_reads_every_output_table_read_only(published_worked_example):
    engine = sa.create_engine(f"duckdb:///{published_worked_example}", connect_args={"read_only": True})
    try:
        with engine.connect() as connection:
            # the default schema holds exactly the output tables: nothing else to wade through
            assert set(sa.inspect(connection).get_table_names(schema="main")) == MARTS
            counts = {
                table: connection.execute(sa.text(f"select count(*) from {table}")).scalar_one() for table in MARTS
            }
            commented = connection.execute(
                sa.text("select count(*) from duckdb_tables() where schema_name = 'main' and comment is not null")
            ).scalar_one()
    finally:
        engine.dispose()  # close the pooled connection: DuckDB allows one configuration per file
    assert counts["rarity_scores"] == 55
    assert counts["model_selection"] == 5
    assert counts["feature_weights"] == 8
    assert counts["superseded_models"] == 0
    assert counts["selection_coverage"] == 2 * 4  # one size class x two methods x four trait features
    assert counts["selection_comparison"] == 2  # one size class x two methods
    assert counts["selection_picks"] == 5 + 5  # each method picks five models, no baselines
    assert commented == len(MARTS)


def test_published_file_opens_in_the_duckdb_1_1_that_bi_drivers_bundle(published_worked_example):
    """Not just the setting: a real DuckDB 1.1 client (installed beside the venv by make) reads
    every output table of the file the build published."""
    client = PROJECT_DIR / ".venv" / "duckdb-1.1"
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import duckdb; "
        "connection = duckdb.connect(sys.argv[2], read_only=True); "
        "print(duckdb.__version__); "
        "print(connection.execute('select count(*) from rarity_scores').fetchone()[0]); "
        "print(connection.execute('select count(*) from selection_picks').fetchone()[0])"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-c", script, str(client), str(published_worked_example)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    version, scored, picks = completed.stdout.split()
    assert version.startswith("1.1."), version
    assert (int(scored), int(picks)) == (55, 10)
