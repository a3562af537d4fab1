"""Shared fixtures: real servers (tests.support.plugin) and the bot harness (tests.harness)."""

pytest_plugins = ["tests.support.plugin", "tests.harness"]
