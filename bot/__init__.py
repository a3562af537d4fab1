"""Incident response for Slack: declare, page, coordinate and resolve incidents."""
