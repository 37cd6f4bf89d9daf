"""Build into a scratch database and publish it only when every model and test passed.

`dbt build` replaces each table before that table's tests run, and any process holding the
database file (even read-only) blocks a writer. So dbt never writes the published file: it
builds a scratch file beside it, and only a fully passing build is moved over the published
one with an atomic rename. Readers holding the old file keep reading it; new readers get the
new one; a failed build leaves the published file byte for byte as it was.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from archrarity import PROJECT_DIR


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's .venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(
    args: list[str],
    db_path: Path | str,
    project_dir: Path = PROJECT_DIR,
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command against the database file `db_path`, in its own process.

    A separate process guarantees DuckDB has closed (and checkpointed) the file when it ends.
    Output goes straight to the terminal.
    """
    env = dict(os.environ, ARCHRARITY_DB_PATH=str(db_path))
    command = [dbt_executable(), *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    return subprocess.run(command, env=env, cwd=project_dir, text=True, check=False)


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def build_and_publish(
    db_path: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
    before_publish: Callable[[Path], object] | None = None,
) -> bool:
    """`dbt build` into a scratch file beside `db_path`; on success rename it over `db_path`.

    `before_publish(scratch_path)` runs after dbt succeeded and before the rename (the report
    is written there, from the scratch file); if it fails, nothing is published.
    Returns whether `db_path` was replaced.
    """
    db_path = Path(db_path).resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # A fixed scratch name keeps dbt's profile (its path comes from ARCHRARITY_DB_PATH) the
    # same from run to run, so dbt can parse partially; the lock keeps two builds of the same
    # file from sharing it.
    scratch = db_path.with_name(f"{db_path.name}.building")
    with db_path.with_name(f"{db_path.name}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"Another build is publishing {db_path}; try again when it is done.", file=sys.stderr)
            return False
        _remove(scratch)
        try:
            return _build_then_publish(scratch, db_path, dbt_vars, project_dir, before_publish)
        finally:
            _remove(scratch)


def _build_then_publish(
    scratch: Path,
    db_path: Path,
    dbt_vars: dict | None,
    project_dir: Path,
    before_publish: Callable[[Path], object] | None,
) -> bool:
    # Unit tests check the models' logic on fixed fixtures, not this data: `make test` runs
    # them; the data tests, which guard what gets published, all run here.
    # --no-write-json: the published file is the result; dbt's run_results.json and
    # manifest.json cost half a second to write, and `make test` and `make docs` write their own.
    args = ["build", "--exclude-resource-type", "unit_test", "--no-write-json"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    if run_dbt(args, scratch, project_dir=project_dir).returncode != 0:
        return False
    if scratch.with_name(scratch.name + ".wal").exists():
        print(f"{scratch} still has a write-ahead log after dbt ended: not publishing", file=sys.stderr)
        return False
    if before_publish is not None:
        try:
            before_publish(scratch)
        except Exception as error:
            print(f"Writing the reports failed: {error!r}", file=sys.stderr)
            return False
    # A write-ahead log beside the published file belongs to the old file (a crashed writer);
    # DuckDB would replay it into the new one.
    db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
    os.replace(scratch, db_path)  # atomic on one filesystem: readers see the old or the new, whole
    return True
