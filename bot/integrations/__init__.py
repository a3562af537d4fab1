"""Adapters to outside systems (AWS)."""
