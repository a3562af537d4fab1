"""An in-memory Slack Web API emulator for tests and the local playground."""
