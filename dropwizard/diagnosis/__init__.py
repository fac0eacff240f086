"""Findings and the detectors that turn evidence into findings."""
