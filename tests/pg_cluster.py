"""A throwaway PostgreSQL server for tests (DESIGN §9): initdb in a temporary folder, a free
port on 127.0.0.1, stopped and removed afterwards. It comes from Debian's ``postgresql``
package, which ``make test`` installs; where it is missing the PostgreSQL tests skip.

initdb and postgres refuse to run as root, so as root they run as the package's ``postgres``
user (``runuser``), in a folder that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from app_driver import free_port

SUPERUSER = "postgres"


def bin_dir() -> Path | None:
    """The newest installed server's binaries, e.g. /usr/lib/postgresql/15/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def missing_reason() -> str | None:
    if bin_dir() is None:
        return "PostgreSQL is not installed (Debian package postgresql; make test installs it)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root and runuser is missing: PostgreSQL cannot start as root"
    return None


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--", *command] if os.geteuid() == 0 else command


@contextmanager
def cluster() -> Iterator[str]:
    """Start a server; yield the URL of its ``postgres`` database; stop and remove it."""
    binaries = bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="servicereport-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, SUPERUSER)
    data, port = folder / "data", free_port()
    subprocess.run(
        _as_server_user(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",  # byte order for text, as DuckDB sorts
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(
        _as_server_user(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server_url: str) -> str:
    """A fresh, empty database on the server; its URL."""
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


def copy_database(template_url: str) -> str:
    """A new database on the same server holding a copy of ``template_url``'s (PostgreSQL's
    CREATE DATABASE … TEMPLATE: a file copy, cheaper than loading again). Nothing may be
    connected to the template meanwhile: close its ``Database`` first."""
    server, template = template_url.rsplit("/", 1)
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return f"{server}/{name}"
