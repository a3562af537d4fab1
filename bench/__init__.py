"""Benchmarks: the runner (`python -m bench`), shared plumbing and one module per figure."""
