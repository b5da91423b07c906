"""Documents stored through Supabase Storage with the real supabase client. Supabase's Storage
API cannot run here, so a small stand-in on loopback answers the two calls the client makes
(upload with upsert, download), checking the service role key as Storage does."""

from __future__ import annotations

import email.parser
import email.policy
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.worker.conftest import enqueue, job
from tests.worker.support import QuietHandler, serve
from tests.worker.test_documents import ACME, invoice

SERVICE_KEY = "service-role-key-for-tests"
PREFIX = "/storage/v1/object/"


class StorageApi:
    def __init__(self):
        self.objects: dict[str, bytes] = {}
        self.uploads: list[dict[str, str]] = []
        api = self

        class Handler(QuietHandler):
            def _authorized(self) -> bool:
                if self.headers.get("authorization") != f"Bearer {SERVICE_KEY}":
                    self.reply(403, b'{"error":"unauthorized"}')
                    return False
                return True

            def do_POST(self):
                if not self._authorized():
                    return
                key = self.path.removeprefix(PREFIX)
                body = self.rfile.read(int(self.headers["content-length"]))
                message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode() + body
                )
                files = [
                    p
                    for p in message.iter_parts()
                    if p.get_param("name", header="content-disposition") == "file"
                ]
                if key in api.objects and self.headers.get("x-upsert") != "true":
                    self.reply(409, b'{"error":"Duplicate"}')
                    return
                api.objects[key] = files[0].get_payload(decode=True)
                api.uploads.append({"key": key, "content_type": files[0].get_content_type()})
                self.reply(200, f'{{"Key":"{key}"}}'.encode())

            def do_GET(self):
                if not self._authorized():
                    return
                key = self.path.removeprefix(PREFIX).split("?")[0]
                if key not in api.objects:
                    self.reply(404, b'{"error":"not_found","statusCode":"404"}')
                    return
                self.reply(200, api.objects[key], "application/pdf")

        self.server, self.url = serve(Handler)


@pytest.fixture
def storage_api():
    api = StorageApi()
    yield api
    api.server.shutdown()


def test_documents_go_to_supabase_storage_and_are_attached_from_it(
    sql, run, storage_api, mail_sink, settings
):
    job_id = enqueue(
        sql,
        "pdf.render",
        {
            "document": invoice(items=3, number="INV-3001"),
            "then": [
                {
                    "kind": "email.invoice_sent",
                    "payload": {
                        "to": "pat@x.test",
                        "customer_name": "Pat",
                        "invoice_number": "INV-3001",
                        "total": "1",
                        "due_date": "2026-12-01",
                    },
                }
            ],
        },
        organization_id=ACME,
    )
    supabase = {
        "storage_backend": "supabase",
        "supabase_url": storage_api.url,
        "supabase_service_role_key": SERVICE_KEY,
    }
    assert run(**supabase) == 2
    row = job(sql, job_id)
    assert row["status"] == "succeeded", row["last_error"]
    key = f"documents/{ACME}/invoice/INV-3001.pdf"
    assert storage_api.uploads == [{"key": key, "content_type": "application/pdf"}]
    stored = storage_api.objects[key]
    assert len(PdfReader(io.BytesIO(stored)).pages) == 1
    assert row["result"]["location"] == f"documents/{ACME}/invoice/INV-3001.pdf"
    assert not Path(settings.storage_dir).exists(), "nothing was written locally"
    [message] = mail_sink.wait_for(1)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content() == stored


def test_a_wrong_service_key_fails_the_job_for_a_retry(sql, run, storage_api):
    job_id = enqueue(sql, "pdf.render", {"document": invoice(items=1)}, organization_id=ACME)
    run(storage_backend="supabase", supabase_url=storage_api.url, supabase_service_role_key="wrong")
    row = job(sql, job_id)
    assert row["status"] == "retrying" and storage_api.objects == {}
