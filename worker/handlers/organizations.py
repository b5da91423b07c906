"""The organization a job works for, as emails and documents show it (name, branding, time zone,
currency): one read, shared by every handler that renders for a tenant."""

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
