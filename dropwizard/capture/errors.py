"""The one error type the capture analyser raises."""

from __future__ import annotations

from dropwizard.errors import InputError


class CaptureError(InputError):
    """The file cannot be read as a capture (exit 2, one line naming the file and a fix)."""
