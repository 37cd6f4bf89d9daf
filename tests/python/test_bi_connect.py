"""A BI tool's view of the published file: SQLAlchemy + duckdb-engine (what Superset uses), read-only."""

import sqlalchemy as sa

MARTS = {"rarity_scores", "model_selection", "feature_weights", "superseded_models", "selection_coverage"}


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
    assert counts["selection_coverage"] == 5  # one size class x five features
    assert commented == len(MARTS)
