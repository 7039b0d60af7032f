"""One exception tree for the whole package.

Every error carries a message written for the person at the keyboard: what was wrong, where (file, line,
field when known) and, when it helps, what to do about it. The CLI prints ``str(error)`` and exits non-zero;
the API maps the class to an HTTP status.
"""

from __future__ import annotations

from pathlib import Path


class SanctionsError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code = 1
    http_status = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class ConfigError(SanctionsError):
    """A setting or command-line option is wrong."""

    exit_code = 2


class InputError(SanctionsError):
    """Input given by the user (a flag value, a query, a CSV row) is not valid."""

    exit_code = 2
    http_status = 422


class RequestTooLargeError(InputError):
    """A request or batch file is over a bound of what one request may cost (see screening.limits)."""

    http_status = 413


class ParseError(SanctionsError):
    """A list file could not be read. Names the file and, when known, the line (1-based) and field."""

    exit_code = 3
    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        where = ""
        if self.path is not None:
            where = self.path
            if line is not None:
                where += f", line {line}"
            if field is not None:
                where += f", field {field!r}"
            where += ": "
        super().__init__(where + message, hint=hint)
        self.detail = message


class UnknownFormatError(ParseError):
    """The files do not look like any list format we know."""


class NotFoundError(SanctionsError):
    """A snapshot, entity, action or other record does not exist."""

    exit_code = 4
    http_status = 404


class ConflictError(SanctionsError):
    """The request contradicts what is stored (a duplicate, an event out of order, ...)."""

    exit_code = 5
    http_status = 409


class StoreError(SanctionsError):
    """The database could not be opened, migrated or written."""

    exit_code = 6
    http_status = 503


class FetchError(SanctionsError):
    """An official list could not be downloaded."""

    exit_code = 7
    http_status = 502


class AuthError(SanctionsError):
    """Missing or invalid API key."""

    exit_code = 8
    http_status = 401


class PermissionDeniedError(AuthError):
    """A valid API key without the scope this action needs."""

    http_status = 403
