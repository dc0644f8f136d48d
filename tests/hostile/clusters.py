"""A PostgreSQL cluster of a test's own, to stop and start at will (the shared server on
5432 is never stopped): the fault cases kill it at a marked step."""

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from servers import PORT_ATTEMPTS, TAKEN, free_port

WAIT_FOREVER = "86400"  # pg_ctl's -t: a day stands for "until it happens" (default 60 s)


def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    assert found, f"PostgreSQL's {name} is needed to start a private cluster"
    return found


class PrivateCluster:
    """A PostgreSQL cluster of the test's own, on a free port (another one, at each start,
    if that port was taken meanwhile), to stop at will. initdb refuses to run as root, so
    for root it runs as the postgres (else nobody) user."""

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

    @property
    def url(self) -> str:
        return f"postgresql://mlb@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, args: list[str], check: bool = True) -> int:
        return subprocess.run(args, check=check, capture_output=True, user=self.user).returncode

    def start(self) -> None:
        """Start the server and wait until it accepts connections (pg_ctl's wait ends on
        that or on the server's exit; its time limit is set out of reach)."""
        log = self.folder / "log"
        for _ in range(PORT_ATTEMPTS):
            logged = log.stat().st_size if log.exists() else 0
            options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
            started = self._as_owner(
                [_postgres_bin("pg_ctl"), "-D", str(self.folder / "data"), "-o", options,
                 "-w", "-t", WAIT_FOREVER, "-l", str(log), "start"], check=False,
            )  # fmt: skip
            said = log.read_bytes()[logged:].decode(errors="replace")
            if started == 0:
                return
            assert TAKEN in said, said
            self.port = free_port()  # taken since it was free: another one
        pytest.fail(f"PostgreSQL found no free port in {PORT_ATTEMPTS} tries")

    def stop(self, mode: str, check: bool = True) -> None:
        data = str(self.folder / "data")
        self._as_owner(
            [_postgres_bin("pg_ctl"), "-D", data, "-m", mode, "-t", WAIT_FOREVER, "stop"], check
        )

    def games(self) -> int:
        with psycopg.connect(self.url) as conn:
            row = conn.execute("SELECT count(*) FROM mlb.games").fetchone()
        assert row is not None
        return int(row[0])
