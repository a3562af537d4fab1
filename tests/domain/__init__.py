"""Tests of the pure incident domain: grammar, naming, status machine, severities, roles, durations."""
