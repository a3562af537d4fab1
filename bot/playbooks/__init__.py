"""Playbook schema and loader for the YAML under PLAYBOOKS_DIR."""
