"""What one screening request may cost, in one place below every entry point.

The Python API, the CLI, the HTTP API (``/screen``, ``/screen/batch``, ``/match``, batch jobs) and batch
files (``sanctions screen-file``) all check these bounds here, so a request over a bound is refused the same
way everywhere, before any of it is screened, with :class:`~sanctions_ledger.errors.RequestTooLargeError`
(HTTP 413, CLI exit 2) saying what was counted, the bound, and what to do instead. Nothing is cut silently:
a query with more names than are screened is refused, not screened on its first names only.

What a request may hold in names, in all, is what bounds its cost: answering one name of a /match query
against every list (screening it, then each result's entity and history) takes about 35 ms of CPU, so
``MAX_NAMES_PER_REQUEST`` names cost a few seconds, as many as the largest /screen/batch (one name per query).
"""

from __future__ import annotations

from dataclasses import dataclass

from sanctions_ledger.errors import InputError, RequestTooLargeError

MAX_NAME_LENGTH = 500  # characters of one name
MAX_RESULTS = 100  # matches reported per query (``limit``)
MAX_NAMES_PER_QUERY = 20  # names one query screens (a /match example's names, aliases, former names)
MAX_NAMES_PER_REQUEST = 100  # names one request screens in all (/match, /screen/batch)
MAX_QUERIES_PER_REQUEST = 100  # queries in one request (the API's default; SANCTIONS_API_BATCH_MAX)
MAX_FILE_ROWS = 1_000_000  # rows of one batch file (screen-file, /screen/jobs)

_LARGER = "upload a CSV to /screen/jobs (or use `sanctions screen-file`) for more"


def check_results(limit: int | None) -> int | None:
    """A ``limit`` (matches reported per query): 1..MAX_RESULTS, or None for the default."""
    if limit is None:
        return None
    if limit < 1:
        raise InputError(f"limit {limit} must be at least 1")
    if limit > MAX_RESULTS:
        raise InputError(f"limit {limit} is over the {MAX_RESULTS} matches reported per query")
    return limit


def check_queries(count: int, bound: int = MAX_QUERIES_PER_REQUEST) -> None:
    if count > bound:
        raise RequestTooLargeError(
            f"{count} queries in one request; at most {bound} are accepted ({_LARGER})"
        )


@dataclass
class NameBudget:
    """Counts the names of one request as its queries are read, before any is screened."""

    per_query: int = MAX_NAMES_PER_QUERY
    per_request: int = MAX_NAMES_PER_REQUEST
    used: int = 0

    def take(self, count: int, query: str) -> None:
        """Account for ``count`` names of ``query`` (its key or position, named in the error)."""
        if count > self.per_query:
            raise RequestTooLargeError(
                f"query {query} has {count} names; at most {self.per_query} names are screened per query",
                hint="send the names that identify the party (name, aliases), or split them over queries",
            )
        self.used += count
        if self.used > self.per_request:
            raise RequestTooLargeError(
                f"the request holds more than {self.per_request} names in all (reached at query {query}); "
                f"at most {self.per_request} are screened per request",
                hint=f"send fewer queries or names per request, or {_LARGER}",
            )


def check_file_rows(count: int, where: str, bound: int = MAX_FILE_ROWS) -> None:
    if count > bound:
        raise RequestTooLargeError(
            f"{where}: more than {bound} rows; at most {bound} are screened from one file",
            hint="split the file into several",
        )
