"""JSON logs, one object per line, carrying the job id, kind and organization of the job."""

from __future__ import annotations

import contextvars
import logging
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

# The running job's (id, kind, organization id), set per job: the log fields are built only
# when a line is logged (building them per job cost more than the no-op job itself).
job_fields: contextvars.ContextVar[tuple[int, str, Any] | None] = contextvars.ContextVar(
    "job_fields", default=None
)


class _JobFieldsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        job = job_fields.get()
        if job is not None:
            for key, value in zip(("job_id", "kind", "organization_id"), job, strict=True):
                if not hasattr(record, key):
                    setattr(record, key, str(value) if key == "organization_id" else value)
        return True


def configure(level: str = "INFO", stream: Any = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_JobFieldsFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request at INFO; deliveries are logged by the webhook handler instead.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # fontTools (under fpdf2) logs several INFO lines per PDF about font subsetting.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
