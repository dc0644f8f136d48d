"""PostgreSQL: the team set-up's data store (migrations, bulk load, reads)."""
