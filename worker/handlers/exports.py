"""export.csv: write an organization's CSV export (lines made by the database from allowlisted
columns, formulas neutralised) to Storage under <organization_id>/exports/, then record it and
tell the requester."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from worker.errors import PermanentError
from worker.registry import JobContext, Registry

# An export larger than this fails with a reason rather than exhausting the worker.
MAX_EXPORT_BYTES = 50 * 1024 * 1024


class CsvExport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    export_id: uuid.UUID


def register(registry: Registry) -> None:
    @registry.register("export.csv", CsvExport)
    async def export_csv(ctx: JobContext, p: CsvExport) -> dict[str, Any]:
        if ctx.job.organization_id is None:
            raise PermanentError("An export job needs the organization it belongs to")
        rows = await ctx.db.fetch("export_lines", export_id=p.export_id)
        data = "\r\n".join(row["line"] for row in rows).encode() + b"\r\n"
        if len(data) > MAX_EXPORT_BYTES:
            await ctx.db.fetch_value(
                "finish_export",
                export_id=p.export_id,
                storage_path=None,
                row_count=None,
                size_bytes=None,
                error=f"The export is larger than {MAX_EXPORT_BYTES // (1024 * 1024)} MB",
            )
            raise PermanentError("export too large")
        path = f"{ctx.job.organization_id}/exports/{p.export_id}.csv"
        stored = await ctx.services.storage.put(path, data, "text/csv")
        await ctx.db.fetch_value(
            "finish_export",
            export_id=p.export_id,
            storage_path=path,
            row_count=len(rows) - 1,
            size_bytes=stored.size_bytes,
            error=None,
        )
        return {"path": path, "rows": len(rows) - 1, "size_bytes": stored.size_bytes}
