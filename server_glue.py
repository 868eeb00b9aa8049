"""GUI glue for the Connect server: starts it at profile open, stops it at close (owned by the server work)."""

from __future__ import annotations


def setup() -> None:
    pass
