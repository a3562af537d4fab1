"""Tests of the HTTP surface: routes, metrics, logs."""
