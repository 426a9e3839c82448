"""Everything the service keeps in Redis, one module per kind of record; nothing else in ``bot`` talks to Redis."""
