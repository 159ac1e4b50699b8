"""Helpers for hpxplore's own tests and for users testing code built on it."""

from hpxplore.testing.postgres import PostgresServer, find_postgres_bin

__all__ = ["PostgresServer", "find_postgres_bin"]
