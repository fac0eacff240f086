"""Widgets: duration histogram, rejection sparkline, evidence views, status badges, path."""
