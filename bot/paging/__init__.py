"""Pagers: how a person is paged (Slack DM, PagerDuty)."""
