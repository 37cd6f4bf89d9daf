"""Throwaway warehouse servers for the tests and for a first try: PostgreSQL 15 and Java 17 for Spark.

`make test` runs the project on PostgreSQL and on a local Spark as well as on DuckDB. Both come
from Debian packages (`postgresql`, `openjdk-17-jre-headless`), installed where missing
(`install_missing`, as root, as on CI). The PostgreSQL server is a throwaway one: a fresh
cluster (initdb) in a temporary folder, started with pg_ctl, listening on 127.0.0.1 only on a
free port, run as the unprivileged `postgres` user, with a random password that lives only in
the environment of this process; `throwaway_postgres()` stops it and deletes the folder when
the block ends, whether it ended well or not.

    python -m archrarity.servers -- make build TARGET=postgres

runs one command with such a server, its PG* variables and JAVA_HOME set.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Debian bookworm's PostgreSQL 15 and Java 17, and the package each comes from.
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
JAVA_17_HOME = Path("/usr/lib/jvm/java-17-openjdk-amd64")
PACKAGES = {"postgresql": POSTGRES_BIN / "pg_ctl", "openjdk-17-jre-headless": JAVA_17_HOME / "bin" / "java"}
#: The unprivileged account the server runs as (PostgreSQL refuses to run as root).
SERVER_USER = "postgres"
#: The superuser and database of a throwaway cluster.
USER = "archrarity"
DATABASE = "archrarity"


def missing_packages() -> list[str]:
    return [package for package, path in PACKAGES.items() if not path.exists()]


def install_missing() -> None:
    """apt-get the packages whose programs are missing (one `apt-get update` first); needs root."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"Missing Debian packages {', '.join(missing)}: run as root, or apt-get install them.")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env)


def java_home() -> Path:
    """Java 17 for Spark: JAVA_HOME if it is a Java 17, else Debian's."""
    given = os.environ.get("JAVA_HOME")
    if given and "17" in Path(given).resolve().name:
        return Path(given)
    return JAVA_17_HOME


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 now (the server takes it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Postgres:
    """A running server: how to reach it, as libpq environment variables."""

    port: int
    password: str
    folder: Path
    host: str = "127.0.0.1"
    user: str = USER
    database: str = DATABASE

    def env(self) -> dict[str, str]:
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.database,
        }


def _as_server_user(command: Sequence[str]) -> list[str]:
    # as root, drop to the unprivileged account; an unprivileged caller runs it as itself
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else list(command)


def _run(command: Sequence[str], env: dict[str, str] | None = None) -> None:
    completed = subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False, env=env, cwd="/")
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}"
        )


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[Postgres]:
    """A fresh PostgreSQL 15 cluster for the duration of the block; stopped and deleted after it."""
    install_missing()
    # not under pytest's tmp_path: that folder is private to root, and the server runs as postgres
    folder = Path(tempfile.mkdtemp(prefix="archrarity-postgres-"))
    data = folder / "data"
    password = secrets.token_urlsafe(24)
    started = False
    watchdog: subprocess.Popen[bytes] | None = None
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, SERVER_USER, SERVER_USER)
        # the password reaches initdb through a file only it reads, deleted as soon as it ran
        password_file = folder / "password"
        password_file.write_text(password)
        password_file.chmod(0o600)
        if os.geteuid() == 0:
            shutil.chown(password_file, SERVER_USER, SERVER_USER)
        try:
            _run(
                [
                    str(POSTGRES_BIN / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    USER,
                    "--pwfile",
                    str(password_file),
                    "--auth",
                    "scram-sha-256",
                    "--encoding",
                    "UTF8",
                    "--locale",
                    "C.UTF-8",
                ]
            )
        finally:
            password_file.unlink(missing_ok=True)
        port = free_port()
        # 127.0.0.1 only, no Unix socket; fsync off: a throwaway cluster need not survive a crash
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run(
            [
                str(POSTGRES_BIN / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
            ]
        )
        started = True
        watchdog = _watchdog(data, folder)
        server = Postgres(port=port, password=password, folder=folder)
        _create_database(server)
        yield server
    finally:
        if watchdog is not None:
            watchdog.kill()
        if started:
            with contextlib.suppress(RuntimeError):
                _run([str(POSTGRES_BIN / "pg_ctl"), "stop", "-w", "-m", "immediate", "-D", str(data)])
        shutil.rmtree(folder, ignore_errors=True)


def _watchdog(data: Path, folder: Path) -> subprocess.Popen[bytes]:
    """A detached shell that stops the server and deletes its folder once this process is gone:
    the block's own cleanup does not run when the process is killed (a test run interrupted by
    SIGTERM or SIGKILL), and the server must not outlive it."""
    stop = [str(POSTGRES_BIN / "pg_ctl"), "stop", "-m", "immediate", "-D", str(data)]
    script = (
        f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
        f"{shlex.join(_as_server_user(stop))} >/dev/null 2>&1; rm -rf {shlex.quote(str(folder))}"
    )
    return subprocess.Popen(
        ["sh", "-c", script],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _create_database(server: Postgres) -> None:
    env = {**os.environ, **server.env(), "PGDATABASE": "postgres"}
    completed = subprocess.run(
        [str(POSTGRES_BIN / "createdb"), server.database], env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"createdb failed: {completed.stderr}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command with a throwaway PostgreSQL (PG* set) and JAVA_HOME set; stop it after."""
    command = list(sys.argv[1:] if argv is None else argv)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("usage: python -m archrarity.servers -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    with throwaway_postgres() as server:
        env = {**os.environ, **server.env(), "JAVA_HOME": str(java_home())}
        print(
            f"PostgreSQL on {server.host}:{server.port} (user {server.user}, database {server.database})",
            file=sys.stderr,
        )
        return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
