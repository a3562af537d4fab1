"""Shared test support: real loopback servers and the pytest plugin that provides them."""
