"""Use cases that change incidents: one unit of work each, emitting events for Slack."""
