"""Servers and ports a test takes for itself, that stay its own while another test suite
runs beside it on the same machine.

A port found free by binding port 0 is free only until that socket closes: another suite
may take it before our server binds it. So a server here is started again on another port
when its port was taken, and a test talks to it only once it has said it listens there.
A port where nothing must answer is held bound (never listening) for as long as the test
needs it: connections are refused, and no other process can start listening on it."""

import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

PORT_ATTEMPTS = 20  # a taken port is rare; twenty in a row means something else is wrong
TAKEN = "Address already in use"


def free_port() -> int:
    """A loopback port free at this moment: for a server that starts again elsewhere when
    it is taken before the server binds it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port bound and not listening for the whole block: connections to it are
    refused, as by a server that is down. Bound without SO_REUSEADDR, so a server that
    sets it (Redis, PostgreSQL and uvicorn all do) cannot bind it meanwhile."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


def _start_redis(
    folder: Path, port: int, options: tuple[str, ...]
) -> tuple[subprocess.Popen[str], str]:
    """redis-server started on ``port``, with what it printed up to the line that says it
    listens, or up to its exit (then ``poll()`` is not None)."""
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder), *options],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    # Redis says when it listens: wait for that line or its exit, never for a time.
    said = []
    for line in process.stdout or ():
        said.append(line)
        if "Ready to accept connections" in line:
            break
    else:
        process.wait()
    return process, "".join(said)


@contextlib.contextmanager
def own_redis(folder: Path, *options: str) -> Iterator[str]:
    """A redis-server of the test's own on a free loopback port (another one if that port
    is taken meanwhile), listening when the block starts and stopped when it ends: yields
    its URL."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server must be installed (.ci/run installs it)")
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        server, said = _start_redis(folder, port, options)
        if server.poll() is None:
            break
        if TAKEN not in said:
            pytest.fail(f"redis-server did not start:\n{said}")
    else:
        pytest.fail(f"redis-server found no free port in {PORT_ATTEMPTS} tries:\n{said}")
    drain = threading.Thread(target=server.communicate, daemon=True)  # the rest of its log
    drain.start()
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        drain.join()
