"""Fixtures the hostile cases share."""

import shutil
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from hostile.clusters import PrivateCluster


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    """A PostgreSQL cluster of the test's own, started; stopped and removed after it."""
    cluster = PrivateCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop("immediate", check=False)
        shutil.rmtree(cluster.folder, ignore_errors=True)


@pytest.fixture
def mlflow_database() -> Iterator[str]:
    """A PostgreSQL database of the test's own (on the machine's server) for an MLflow
    store; dropped after it."""
    name = f"mlflow_hostile_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("postgresql://root@127.0.0.1:5432/test", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect("postgresql://root@127.0.0.1:5432/test", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
