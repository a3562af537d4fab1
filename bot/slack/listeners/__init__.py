"""Thin Bolt listeners, one module per kind of request."""
