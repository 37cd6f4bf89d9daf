"""Shared helpers: run `archrarity build` end to end, in its own process, on throwaway files."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from archrarity import PROJECT_DIR

FIXTURES = PROJECT_DIR / "tests" / "fixtures"
WORKED_EXAMPLE = FIXTURES / "worked_example_catalog.csv"
ARCHRARITY = str(Path(sys.executable).with_name("archrarity"))


@dataclass
class Build:
    returncode: int
    output: str


def run_build(
    db: Path,
    work: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
) -> Build:
    """`archrarity build` as `make build` runs it, with dbt's target/ and logs/ and the reports
    under `work`, so parallel tests never share them."""
    env = dict(os.environ, DBT_TARGET_PATH=str(work / "target"), DBT_LOG_PATH=str(work / "logs"))
    command = [ARCHRARITY, "build", "--db", str(db), "--project-dir", str(project_dir)]
    command += ["--reports", str(work / "reports")]
    if dbt_vars is not None:
        command += ["--vars", json.dumps(dbt_vars)]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return Build(completed.returncode, completed.stdout + completed.stderr)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_catalog(path: Path = WORKED_EXAMPLE) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def write_catalog(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.sql(sql).fetchall()


@pytest.fixture(scope="session")
def published_worked_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published database built from SPEC's worked example (55 models, no baselines)."""
    work = tmp_path_factory.mktemp("worked-example")
    db = work / "published.duckdb"
    build = run_build(db, work, {"catalog_path": str(WORKED_EXAMPLE), "baselines": []})
    assert build.returncode == 0, build.output
    return db


@pytest.fixture
def published_copy(published_worked_example: Path, tmp_path: Path) -> Path:
    """A private copy of the good published database, for a test that tries to replace it."""
    copy = tmp_path / "published.duckdb"
    shutil.copyfile(published_worked_example, copy)
    return copy
