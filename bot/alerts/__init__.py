"""Alerts in: endpoints that accept monitoring webhooks, a durable queue, routing rules and the worker."""
