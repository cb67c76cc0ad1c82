"""Distributed crawling: a Redis-shared request queue with leases, a shared duplicate filter, a
cross-worker per-platform rate limit, and workers that all write to one database."""
