"""Test suite of the incident bot."""
