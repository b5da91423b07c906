"""The organization a job works for, as emails and documents show it (name, branding, time zone,
currency): one read, shared by every handler that renders for a tenant; and the files it stored."""

from __future__ import annotations

from typing import Any

from worker.errors import PermanentError
from worker.registry import JobContext

# What platform jobs (no organization) render as.
PLATFORM = {"id": None, "name": "fieldbase", "branding": {}, "time_zone": "UTC", "currency": "USD"}


async def organization_profile(ctx: JobContext) -> dict[str, Any]:
    if ctx.job.organization_id is None:
        return PLATFORM
    profile = await ctx.db.fetch_value(
        "organization_profile", organization_id=ctx.job.organization_id
    )
    if profile is None:
        raise PermanentError(f"Organization {ctx.job.organization_id} no longer exists")
    return profile


async def organization_file(
    ctx: JobContext, path: str, what: str, bucket: str | None = None
) -> bytes:
    """A file the job's own organization stored (under <organization_id>/): another
    organization's path, or one that climbs out of the folder, or a missing file is a permanent
    failure naming `what`."""
    if not path.startswith(f"{ctx.job.organization_id}/") or ".." in path.split("/"):
        raise PermanentError(f"{what} {path!r} does not belong to this job's organization")
    try:
        return await ctx.services.storage.get(path, bucket=bucket)
    except FileNotFoundError:
        raise PermanentError(f"{what} {path!r} was not found in storage") from None
