"""MLflow's tracking store on PostgreSQL: checked for reachability with a short timeout
before MLflow sees it (MLflow itself waits ~100 s and then raises a raw SQLAlchemy
error), and its schema created once under a lock (several processes creating it at
once fail)."""

from mlbcore.db.connection import connect, is_database_url


def prepare_tracking_store(tracking_uri: str, artifact_location: str) -> None:
    """For a PostgreSQL URI: fail fast if unreachable, then create or upgrade MLflow's
    tables while holding an advisory lock. Other URIs are left to MLflow."""
    if not is_database_url(tracking_uri):
        return
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    with connect(tracking_uri) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext('mlb-mlflow-schema'))")
        try:
            SqlAlchemyStore(tracking_uri, artifact_location)  # creates or upgrades the schema
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext('mlb-mlflow-schema'))")
