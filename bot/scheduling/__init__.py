"""Nudges and escalations: APScheduler, leader lease and job functions."""
