"""export.csv: write an organization's CSV export (lines made by the database from allowlisted
columns, formulas neutralised) to Storage under <organization_id>/exports/, then record it and
tell the requester. Lines stream from the database into a temporary file and stop at the cap,
so an export's memory is one line, whatever its size."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from worker.errors import PermanentError
from worker.registry import JobContext, Registry

# An export larger than this fails with a reason rather than exhausting the worker.
MAX_EXPORT_BYTES = 50 * 1024 * 1024


class CsvExport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    export_id: uuid.UUID


class ExportTooLarge(Exception):
    pass


async def write_lines(ctx: JobContext, export_id: uuid.UUID, out: Any, max_bytes: int) -> int:
    """Write the export's lines (CRLF-terminated) to out; returns how many lines. Stops reading
    as soon as the output would pass max_bytes."""
    written = 0
    lines = 0
    async for row in ctx.db.stream("export_lines", export_id=export_id):
        data = row["line"].encode() + b"\r\n"
        written += len(data)
        if written > max_bytes:
            raise ExportTooLarge(f"The export is larger than {max_bytes // (1024 * 1024)} MB")
        out.write(data)
        lines += 1
    return lines


def register(registry: Registry) -> None:
    @registry.register("export.csv", CsvExport)
    async def export_csv(ctx: JobContext, p: CsvExport) -> dict[str, Any]:
        if ctx.job.organization_id is None:
            raise PermanentError("An export job needs the organization it belongs to")
        with tempfile.NamedTemporaryFile(prefix="fieldbase-export-", suffix=".csv") as out:
            try:
                lines = await write_lines(ctx, p.export_id, out, MAX_EXPORT_BYTES)
            except ExportTooLarge as error:
                await ctx.db.fetch_value(
                    "finish_export",
                    export_id=p.export_id,
                    storage_path=None,
                    row_count=None,
                    size_bytes=None,
                    error=str(error),
                )
                raise PermanentError(str(error)) from error
            out.flush()
            path = f"{ctx.job.organization_id}/exports/{p.export_id}.csv"
            stored = await ctx.services.storage.put_file(path, Path(out.name), "text/csv")
        await ctx.db.fetch_value(
            "finish_export",
            export_id=p.export_id,
            storage_path=path,
            row_count=lines - 1,
            size_bytes=stored.size_bytes,
            error=None,
        )
        return {"path": path, "rows": lines - 1, "size_bytes": stored.size_bytes}
