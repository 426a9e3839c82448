"""Digests on their way: the schedule math, the planner, the queue on Redis Streams, its workers and pacing."""
