"""The error every stage wraps its backend's failures in: a stable code and a one-line message."""

from __future__ import annotations


class HomevoxError(Exception):
    """A failure a user can act on.

    `code` is stable (logs, JSON); str() is one line saying what to do.
    """

    code: str = "error"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
