"""Fixtures of the scheduling tests: the clocked use cases and job bodies (tests.scheduling.clocked)."""

from tests.scheduling.clocked import clocked

__all__ = ["clocked"]
