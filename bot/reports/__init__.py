"""Renderings of the metrics report: the PNG chart (matplotlib, headless)."""
