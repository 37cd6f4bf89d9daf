"""`make build` and `make docs` pass DB, VARS and REPORTS to the shell intact, whatever they hold.

The Makefile used to paste them between single quotes, so a path with a quote died in /bin/sh
("Unterminated quoted string") before archrarity ran. These tests run the real Makefile with
paths holding a quote, a space and a `$` (which make itself would expand), on private files.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from archrarity import PROJECT_DIR
from conftest import WORKED_EXAMPLE, query, sha256

# A quote for the shell, a space, and a `$` that neither make nor the shell may expand.
AWKWARD = "it's $HOME here"


def make(target: str, variables: dict[str, str]) -> list[str]:
    """The `make` command line for `target` in the project, with `variables` set on it."""
    # -o: treat the venv as up to date, so a test never runs pip (no downloads at test time)
    return ["make", "--no-print-directory", "-C", str(PROJECT_DIR), "-o", ".venv/.installed", target] + [
        f"{name}={value}" for name, value in variables.items()
    ]


def make_env(work: Path) -> dict[str, str]:
    """The environment: dbt's target/ and logs/ under `work`, so parallel tests never share them."""
    env = dict(os.environ, DBT_TARGET_PATH=str(work / "target"), DBT_LOG_PATH=str(work / "logs"))
    # when pytest itself runs under `make test`, the parent make's flags must not leak in
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(name, None)
    return env


def run_make(target: str, work: Path, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(make(target, variables), env=make_env(work), capture_output=True, text=True, check=False)


@pytest.fixture
def awkward_dir(tmp_path: Path) -> Path:
    folder = tmp_path / AWKWARD
    folder.mkdir()
    return folder


def test_quoted_catalog_path_reaches_archrarity_and_nothing_is_published(
    published_worked_example: Path, awkward_dir: Path, tmp_path: Path
) -> None:
    # a file name DuckDB cannot find: its error must quote the path exactly as given
    missing = awkward_dir / "it's 'not' here.csv"
    db = awkward_dir / "pub lished.duckdb"
    db.write_bytes(published_worked_example.read_bytes())
    before = sha256(db)

    done = run_make(
        "build",
        tmp_path,
        {
            "VARS": json.dumps({"catalog_path": str(missing), "baselines": []}),
            "DB": str(db),
            "REPORTS": str(awkward_dir / "reports"),
        },
    )
    output = done.stdout + done.stderr

    assert done.returncode != 0, output
    assert "Unterminated quoted string" not in output
    assert f'No files found that match the pattern "{missing}"' in output, output
    assert f"Build failed: {db} was not changed." in output, output
    assert sha256(db) == before
    assert not (awkward_dir / "reports").exists()


def test_quoted_paths_build_and_publish_the_same_scores(
    published_worked_example: Path, awkward_dir: Path, tmp_path: Path
) -> None:
    catalog = awkward_dir / "it's the catalog.csv"
    catalog.write_bytes(WORKED_EXAMPLE.read_bytes())
    db = awkward_dir / "pub lished.duckdb"
    reports = awkward_dir / "reports"

    done = run_make(
        "build",
        tmp_path,
        {"VARS": json.dumps({"catalog_path": str(catalog), "baselines": []}), "DB": str(db), "REPORTS": str(reports)},
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Published {db}" in done.stdout
    # the same catalog read from the awkward path scores exactly as the fixture's plain path
    scores = "select model_id, rarity_score from rarity_scores order by model_id"
    assert query(db, scores) == query(published_worked_example, scores)
    assert (reports / "selection.md").is_file()
    assert not (PROJECT_DIR / AWKWARD).exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_make_docs_copies_a_quoted_db_and_serves_its_catalog(
    published_worked_example: Path, awkward_dir: Path, tmp_path: Path
) -> None:
    db = awkward_dir / "pub lished.duckdb"
    db.write_bytes(published_worked_example.read_bytes())
    before = sha256(db)
    port = free_port()
    # BROWSER=true: dbt docs serve opens a browser; here that is the no-op `true` command
    env = dict(make_env(tmp_path), BROWSER="true")
    server = subprocess.Popen(
        make("docs", {"DB": str(db), "DOCS_PORT": str(port)}),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: make, dbt and the server end together
    )
    try:
        catalog = None
        deadline = time.monotonic() + 240
        while catalog is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/catalog.json", timeout=5) as response:
                    catalog = json.load(response)
            except OSError:
                time.sleep(1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, _ = server.communicate(timeout=30)

    assert catalog is not None, output
    # generated on the copy in dbt's (private) target path, describing the published tables
    assert (tmp_path / "target" / "docs.duckdb").is_file()
    assert "model.archrarity.rarity_scores" in catalog["nodes"], output
    assert sha256(db) == before
