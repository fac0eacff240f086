"""Errors that end a command with a one-line message and a DESIGN.md exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_THRESHOLD = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


class DropwizardError(Exception):
    """A user-facing error: one line, naming the file/line or host and a fix."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class InputError(DropwizardError):
    """Bad input: a malformed file, a bad option value. Exit 2."""

    exit_code = EXIT_USAGE


class SourceUnreachable(DropwizardError):
    """A CDR source (database host) cannot be reached. Exit 3."""

    exit_code = EXIT_UNREACHABLE
