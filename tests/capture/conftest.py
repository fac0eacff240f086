"""Capture test fixtures live in the modules; this file marks the folder for pytest."""
