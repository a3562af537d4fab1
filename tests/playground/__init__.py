"""Tests of the local Slack playground."""
