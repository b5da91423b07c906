"""pdf.render: render a document, store it at <organization_id>/<kind>/<number>.pdf, record a
documents row (path, size, SHA-256, pages) and queue any follow-up email that carries it."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from worker import pdf
from worker.errors import PermanentError
from worker.handlers.organizations import organization_profile
from worker.registry import JobContext, Registry, until_reachable


class FollowUp(BaseModel):
    """A job queued once the document is stored; its payload gets document_path."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern=r"^email\.[a-z_]+$")
    payload: dict[str, Any]


class RenderDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: pdf.Document
    # What the document was rendered from, e.g. ("invoice", "<invoice id>").
    source_type: str | None = None
    source_id: str | None = None
    then: list[FollowUp] = []


def storage_path(organization_id: Any, kind: str, number: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", number).strip("-.") or "document"
    return f"{organization_id}/{kind}/{safe}.pdf"


def register(registry: Registry) -> None:
    @registry.register("pdf.render", RenderDocument)
    async def render_document(ctx: JobContext, p: RenderDocument) -> dict[str, Any]:
        if ctx.job.organization_id is None:
            raise PermanentError("A document job needs the organization it belongs to")
        organization = await organization_profile(ctx)
        try:
            data, pages, summary = await ctx.run_cpu(pdf.render, p.document, organization)
        except pdf.OverBudget as error:
            raise PermanentError(f"{error}: the document is too large to render") from error
        path = storage_path(ctx.job.organization_id, p.document.type, p.document.number)
        stored = await ctx.services.storage.put(path, data, "application/pdf")
        document_id = await ctx.db.fetch_value(
            "record_document",
            organization_id=ctx.job.organization_id,
            kind=p.document.type,
            title=f"{pdf.TITLES[p.document.type]} {p.document.number}",
            storage_path=path,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
            page_count=pages,
            source_type=p.source_type,
            source_id=p.source_id,
            job_id=ctx.job.id,
            storage_bucket=stored.bucket,
        )
        if p.then and not ctx.job.progress.get("follow_ups_queued"):
            # The jobs and the flag in one transaction, waiting out a database that is away.
            follow_ups = [
                {"kind": f.kind, "payload": {**f.payload, "document_path": path}} for f in p.then
            ]
            await until_reachable(
                lambda: ctx.db.fetch_value(
                    "enqueue_follow_ups",
                    worker_id=ctx.db.worker_id,
                    job_id=ctx.job.id,
                    follow_ups=json.dumps(follow_ups),
                ),
                give_up_after=ctx.settings.progress_patience_seconds,
            )
            ctx.job.progress["follow_ups_queued"] = True
        return {
            "document_id": str(document_id),
            "path": path,
            "location": stored.location,
            "size_bytes": stored.size_bytes,
            "sha256": stored.sha256,
            "pages": pages,
            **summary,
        }
