"""The news side run on Redis: one ingest path, and the editions built from what it stored."""
