"""One exception hierarchy for every error a user can cause.

Each error carries what was wrong (``message``) and, where we know it, what to do about it
(``hint``). The CLI prints ``str(error)`` on one line and exits with code 1; no traceback.
"""

from __future__ import annotations


class PdcaError(Exception):
    """Base class of all user-facing pdca errors."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} — {self.hint}"
        return self.message


class InputError(PdcaError):
    """An input file cannot be read as asked (missing, wrong format, bad encoding, …)."""


class AmbiguousDateError(InputError):
    """Dates could be read day-first or month-first and the data does not tell which."""


class MappingError(InputError):
    """A column mapping is invalid or does not fit the file."""


class UnsafeInputError(InputError):
    """An input tries something dangerous (XML external entities, entity expansion)."""


class ConfigError(PdcaError):
    """A configuration file or option is invalid."""


class StoreError(PdcaError):
    """The store cannot be opened or written."""


class StoreLockedError(StoreError):
    """Another process holds the store (for example an import that is still running)."""
