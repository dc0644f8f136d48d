"""Fixtures the hostile cases share."""

import shutil
from collections.abc import Iterator

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
