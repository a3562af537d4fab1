"""The Slack transport: Bolt listeners, Block Kit builders and the notifier."""
