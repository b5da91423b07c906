"""Leaving fieldbase: everything an organization owns, exported as a zip of CSVs, and, after a
cancelled organization's retention period, the purge of its rows and stored files.

Both run as platform jobs: a cancelled organization's own jobs wait, and these must not."""

from __future__ import annotations

import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from worker.errors import PermanentError
from worker.registry import JobContext, Registry

# Uncompressed CSV across every table; beyond it the export fails with the reason.
MAX_ARCHIVE_BYTES = 500 * 1024 * 1024
# Rows deleted per transaction: short locks, and a stopped purge resumes where it was.
PURGE_BATCH = 5000


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArchiveExport(_Payload):
    export_id: uuid.UUID
    organization_id: uuid.UUID


class Purge(_Payload):
    organization_id: uuid.UUID


async def write_archive(ctx: JobContext, export_id: uuid.UUID, target: Path) -> dict[str, int]:
    """One CSV per table into a zip, streamed row by row; returns rows per table."""
    rows: dict[str, int] = {}
    written = 0
    tables = await ctx.db.fetch("organization_tables")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            name = table["table_name"]
            count = -1  # the heading
            with archive.open(f"{name}.csv", "w", force_zip64=True) as out:
                async for row in ctx.db.stream(
                    "export_table_lines", export_id=export_id, table_name=name
                ):
                    data = row["line"].encode() + b"\r\n"
                    written += len(data)
                    if written > MAX_ARCHIVE_BYTES:
                        raise PermanentError(
                            f"The export is larger than {MAX_ARCHIVE_BYTES // (1024 * 1024)} MB"
                        )
                    out.write(data)
                    count += 1
            rows[name] = count
    return rows


def register(registry: Registry) -> None:
    @registry.register("export.archive", ArchiveExport)
    async def export_archive(ctx: JobContext, p: ArchiveExport) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="fieldbase-archive-") as folder:
            target = Path(folder) / "export.zip"
            try:
                rows = await write_archive(ctx, p.export_id, target)
            except PermanentError as error:
                await ctx.db.fetch_value(
                    "finish_export",
                    export_id=p.export_id,
                    storage_path=None,
                    row_count=None,
                    size_bytes=None,
                    error=str(error),
                )
                raise
            path = f"{p.organization_id}/exports/{p.export_id}.zip"
            stored = await ctx.services.storage.put_file(path, target, "application/zip")
        await ctx.db.fetch_value(
            "finish_export",
            export_id=p.export_id,
            storage_path=path,
            row_count=sum(rows.values()),
            size_bytes=stored.size_bytes,
            error=None,
        )
        return {"path": path, "tables": len(rows), "rows": sum(rows.values())}

    @registry.register("organization.purge", Purge)
    async def purge(ctx: JobContext, p: Purge) -> dict[str, Any]:
        refused = await ctx.db.fetch_value("purge_refused", organization_id=p.organization_id)
        if refused:
            return {"skipped": refused}
        objects = [
            (row["bucket_id"], row["name"])
            for row in await ctx.db.fetch(
                "organization_storage_objects", organization_id=p.organization_id
            )
        ]
        files = await ctx.services.storage.remove_organization(str(p.organization_id), objects)
        deleted: dict[str, int] = {}
        while True:
            step = await ctx.db.fetch_value(
                "purge_organization", organization_id=p.organization_id, batch=PURGE_BATCH
            )
            if step.get("skipped"):
                return {"skipped": step["skipped"], "files": files, "rows": deleted}
            if step["done"]:
                break
            deleted[step["table"]] = deleted.get(step["table"], 0) + step["deleted"]
        return {"purged": str(p.organization_id), "files": files, "rows": deleted}
