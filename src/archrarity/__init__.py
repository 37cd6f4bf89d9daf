"""archrarity: score open-weight LLMs by architectural rarity (dbt + DuckDB)."""

from pathlib import Path

#: The repository root: dbt_project.yml, profiles.yml, seeds/ and the default database live here.
PROJECT_DIR = Path(__file__).resolve().parents[2]
#: Where `make build` publishes the database BI tools read, unless told otherwise.
DEFAULT_DB = PROJECT_DIR / "archrarity.duckdb"

__all__ = ["DEFAULT_DB", "PROJECT_DIR"]
