"""Signatures in documents, through the real worker: the signed work order PDF carries the
customer's signature image and name; what a tenant uploads as a signature is checked before the
PDF library decodes it (a decompression bomb, a file that is not an image, another organization's
image are dead jobs with the reason, never a worker's memory)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from tests.worker.conftest import enqueue, job

ACME = "a1000000-0000-4000-8000-000000000000"
BETA = "b1000000-0000-4000-8000-000000000000"
FOLDER = f"{ACME}/work_orders/a8000000-0000-4000-8000-000000000001"


def upload(settings, path: str, data: bytes) -> None:
    target = Path(settings.storage_dir) / "attachments" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, "PNG", optimize=True)
    return out.getvalue()


def signed_work_order(image_path: str) -> dict:
    return {
        "document": {
            "type": "work_order",
            "number": "WO-7",
            "scheduled_for": "2026-12-08T15:00:00Z",
            "customer": {"name": "City Deli"},
            "site_address": "5 Elm St, Springfield",
            "technician": "Tim Technician",
            "tasks": [{"description": "Flush the line", "done": True}],
            "signature": {
                "signer_name": "Pat Manager",
                "signed_at": "2026-12-08T16:12:00Z",
                "image_path": image_path,
            },
        },
        "source_type": "work_order",
        "source_id": "a8000000-0000-4000-8000-000000000001",
    }


def test_the_signed_work_order_prints_the_signature(sql, run, settings):
    upload(settings, f"{FOLDER}/signature.png", png(300, 100))
    job_id = enqueue(
        sql, "pdf.render", signed_work_order(f"{FOLDER}/signature.png"), organization_id=ACME
    )
    run()
    row = job(sql, job_id)
    assert row["status"] == "succeeded", row["last_error"]
    assert row["result"]["signed"] is True
    data = (Path(settings.storage_dir) / "documents" / row["result"]["path"]).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Customer signature: Pat Manager, signed 2026-12-08 16:12 UTC" in text
    assert sum(len(page.images) for page in reader.pages) == 1, "the signature image is drawn"


def test_what_a_tenant_uploads_as_a_signature_is_checked_first(sql, run, settings):
    # 20,000 x 20,000 white pixels compress to kilobytes and decode to 400 MB.
    bomb = png(20_000, 20_000)
    assert len(bomb) < 512 * 1024
    upload(settings, f"{FOLDER}/bomb.png", bomb)
    upload(settings, f"{FOLDER}/script.png", b"<svg onload=alert(1)>")
    upload(settings, f"{BETA}/work_orders/x/signature.png", png(300, 100))
    cases = {
        f"{FOLDER}/bomb.png": "too large",
        f"{FOLDER}/script.png": "not a readable PNG or JPEG",
        f"{BETA}/work_orders/x/signature.png": "does not belong to this job's organization",
        f"{FOLDER}/missing.png": "was not found",
    }
    jobs = {
        path: enqueue(sql, "pdf.render", signed_work_order(path), organization_id=ACME)
        for path in cases
    }
    run()
    for path, reason in cases.items():
        row = job(sql, jobs[path])
        assert row["status"] == "dead" and reason in row["last_error"], (path, row["last_error"])
