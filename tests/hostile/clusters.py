"""A PostgreSQL cluster of a test's own, to stop and start at will (the shared server on
5432 is never stopped): the fault cases kill it at a marked step."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    assert found, f"PostgreSQL's {name} is needed to start a private cluster"
    return found


class PrivateCluster:
    """A PostgreSQL cluster of the test's own, on a free port, to stop at will. initdb
    refuses to run as root, so for root it runs as the postgres (else nobody) user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="mlb-pg-"))
        self.port = free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            names = {p.pw_name for p in pwd.getpwall()}
            self.user = "postgres" if "postgres" in names else "nobody"
            shutil.chown(self.folder, self.user)
        self._as_owner(
            [_postgres_bin("initdb"), "-D", str(self.folder / "data"), "-U", "mlb", "-A", "trust"]
        )
        self.url = f"postgresql://mlb@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, args: list[str], check: bool = True) -> None:
        subprocess.run(args, check=check, capture_output=True, user=self.user)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_owner(
            [_postgres_bin("pg_ctl"), "-D", str(self.folder / "data"), "-o", options, "-w",
             "-l", str(self.folder / "log"), "start"]
        )  # fmt: skip

    def stop(self, mode: str, check: bool = True) -> None:
        data = str(self.folder / "data")
        self._as_owner([_postgres_bin("pg_ctl"), "-D", data, "-m", mode, "stop"], check)

    def games(self) -> int:
        with psycopg.connect(self.url) as conn:
            row = conn.execute("SELECT count(*) FROM mlb.games").fetchone()
        assert row is not None
        return int(row[0])
