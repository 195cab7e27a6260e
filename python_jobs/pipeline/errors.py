"""Exceptions that map to the CLIs' exit codes (2: bad usage or input, 1: failure)."""

from __future__ import annotations


class UsageError(Exception):
    """Bad flags, a bad file or bad data: the user can fix it. Exit code 2."""


class JobFailed(Exception):
    """The job could not finish (database down, server error). Exit code 1."""
