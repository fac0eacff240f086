"""Screens: start, wizard, evidence detail, diagnosis, transcript, help, note."""
