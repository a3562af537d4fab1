"""A local Slack-like web page that drives the real bot through the Web API emulator."""
