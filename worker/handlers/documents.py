"""pdf.render: render a document, store it at <organization_id>/<kind>/<number>.pdf, record a
documents row (path, size, SHA-256, pages) and queue any follow-up email that carries it."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field

from worker import pdf
from worker.errors import PermanentError
from worker.handlers.organizations import organization_file, organization_profile
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


# A signature image is a small picture: larger files or dimensions are refused before fpdf2 (and
# Pillow under it) decodes them, so a hostile upload cannot make a worker decompress a bomb.
MAX_SIGNATURE_BYTES = 512 * 1024
MAX_SIGNATURE_PIXELS = 4_000_000


async def signature_image(ctx: JobContext, document: Any) -> bytes | None:
    """The signature image a document prints, from the organization's own Storage folder."""
    signature = getattr(document, "signature", None)
    if signature is None:
        return None
    data = await organization_file(ctx, signature.image_path, "Signature image", "attachments")
    if len(data) > MAX_SIGNATURE_BYTES:
        raise PermanentError(f"The signature image is larger than {MAX_SIGNATURE_BYTES} bytes")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise PermanentError(f"A signature image is a PNG or a JPEG, not {image.format}")
            width, height = image.size
    except Image.DecompressionBombError:
        raise PermanentError("The signature image is too large to decode") from None
    except (UnidentifiedImageError, OSError):
        raise PermanentError("The signature image is not a readable PNG or JPEG") from None
    if width * height > MAX_SIGNATURE_PIXELS:
        raise PermanentError(f"The signature image is {width}x{height}: too large")
    return data


def storage_path(organization_id: Any, kind: str, number: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", number).strip("-.") or "document"
    return f"{organization_id}/{kind}/{safe}.pdf"


def register(registry: Registry) -> None:
    @registry.register("pdf.render", RenderDocument)
    async def render_document(ctx: JobContext, p: RenderDocument) -> dict[str, Any]:
        if ctx.job.organization_id is None:
            raise PermanentError("A document job needs the organization it belongs to")
        organization = await organization_profile(ctx)
        image = await signature_image(ctx, p.document)
        try:
            data, pages, summary = await ctx.run_cpu(
                pdf.render, p.document, organization, None, None, image
            )
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
