"""How a handler says a job failed in a way the runner should treat specially."""

from __future__ import annotations


class JobError(Exception):
    """A failure with a message meant for the admin view (last_error)."""


class PermanentError(JobError):
    """Retrying cannot help (bad input, refused target): the job goes dead now."""


class RetryLater(JobError):
    """Try again after retry_in seconds at the earliest (e.g. the far end's Retry-After)."""

    def __init__(self, message: str, retry_in: float | None = None):
        super().__init__(message)
        self.retry_in = retry_in
