"""Playbook schema and loader for the YAML under PLAYBOOKS_DIR."""

from bot.playbooks.loader import Playbooks, check_playbooks, load_playbooks
from bot.playbooks.problems import PlaybookError, Problem

__all__ = ["PlaybookError", "Playbooks", "Problem", "check_playbooks", "load_playbooks"]
