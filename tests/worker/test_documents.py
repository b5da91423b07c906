"""PDF documents end to end: rendered, stored, recorded, parsed back, and attached to email."""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

import pytest
from pydantic import TypeAdapter
from pypdf import PdfReader

from tests.worker.conftest import enqueue, job
from worker import pdf

ACME = "a1000000-0000-4000-8000-000000000000"
BETA = "b1000000-0000-4000-8000-000000000000"


def invoice(items: int = 60, number: str = "INV-2001") -> dict:
    return {
        "type": "invoice",
        "number": number,
        "issue_date": "2026-11-01",
        "due_date": "2026-12-01",
        "customer": {"name": "Zoë Müller-Łukasz", "address": ["12 Straße", "Köln"]},
        "items": [
            {
                "description": f"RP assembly test ½″ #{n} — Ø 20 mm",
                "quantity": "1.5",
                "unit_price": "85.25",
            }
            for n in range(items)
        ],
        "tax_rate": "0.0825",
        "amount_paid": "100",
    }


def text_of(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_invoice_is_stored_recorded_and_reads_back(sql, run, settings):
    job_id = enqueue(
        sql,
        "pdf.render",
        {"document": invoice(), "source_type": "invoice", "source_id": "42"},
        organization_id=ACME,
    )
    assert run() == 1
    row = job(sql, job_id)
    assert row["status"] == "succeeded", row["last_error"]
    result = row["result"]
    path = Path(settings.storage_dir) / "documents" / f"{ACME}/invoice/INV-2001.pdf"
    data = path.read_bytes()
    pages, text = text_of(data)

    # 60 lines of 1.5 x 85.25 = 127.88 each (rounded per line): 7672.80, tax 8.25% = 633.01.
    assert result["subtotal"] == "7672.80" and result["tax"] == "633.01"
    assert result["total"] == "8305.81" and result["balance"] == "8205.81"
    assert pages > 1 and result["pages"] == pages, "line items flow over several pages"
    assert "USD 8,305.81" in text and "USD 8,205.81" in text
    assert "Zoë Müller-Łukasz" in text and "½″" in text, "Unicode text survives"
    assert f"Page {pages} of {pages}" in text
    assert text.count("Description") >= 2, "the table heading repeats on the next page"
    document = sql.execute("select * from public.documents where id = %s", (result["document_id"],))
    document = document.fetchone()
    assert document["storage_path"] == f"{ACME}/invoice/INV-2001.pdf"
    assert document["size_bytes"] == len(data)
    assert document["sha256"] == hashlib.sha256(data).hexdigest()
    assert document["page_count"] == pages
    assert (document["source_type"], document["source_id"], document["job_id"]) == (
        "invoice",
        "42",
        job_id,
    )


def test_same_input_same_bytes():
    doc = TypeAdapter(pdf.Document).validate_python(invoice(items=5))
    organization = {"name": "Acme", "branding": {"primary_color": "#123456"}, "currency": "USD"}
    first, _, _ = pdf.render(doc, organization)
    second, _, _ = pdf.render(doc, organization)
    assert first == second
    other, _, _ = pdf.render(doc, {**organization, "name": "Acme Two"})
    assert other != first


def test_every_document_kind_renders(sql, run, settings):
    documents = [
        {
            "type": "estimate",
            "number": "EST-1",
            "issue_date": "2026-11-02",
            "valid_until": "2026-12-02",
            "customer": {"name": "C"},
            "items": [{"description": "New RPZ valve", "quantity": "1", "unit_price": "640"}],
        },
        {
            "type": "inspection_report",
            "number": "BF-77",
            "inspection_date": "2026-11-20",
            "customer": {"name": "City Deli"},
            "site_address": "5 Elm St",
            "inspector": "Tess Tech",
            "certification_number": "BAT-1234",
            "device": {
                "kind": "RP",
                "manufacturer": "Watts",
                "model": "909",
                "serial_number": "W-1",
                "size": "3/4 in",
                "location": "Mechanical room",
            },
            "readings": [
                {"label": "Check valve 1 (psid)", "value": "5.8", "passed": True},
                {"label": "Relief valve opened at (psid)", "value": "2.9", "passed": True},
            ],
            "authority": {
                "name": "Springfield Water",
                "fields": [
                    {"label": "Line pressure", "value": "62.0 psi"},
                    {"label": "Shut-off valve #2", "value": "Leaking"},
                ],
            },
            "result": "pass",
        },
        {
            "type": "work_order",
            "number": "WO-9",
            "scheduled_for": "2026-11-22T14:00:00+00:00",
            "customer": {"name": "C"},
            "site_address": "5 Elm St",
            "technician": "Tess",
            "tasks": [
                {"description": "Test assembly", "done": True},
                {"description": "File report"},
            ],
            "materials": [{"description": "Gasket kit", "quantity": "2", "unit_price": "12.5"}],
        },
    ]
    ids = [enqueue(sql, "pdf.render", {"document": d}, organization_id=ACME) for d in documents]
    assert run() == 3
    texts = {}
    for job_id, document in zip(ids, documents, strict=True):
        row = job(sql, job_id)
        assert row["status"] == "succeeded", row["last_error"]
        data = (Path(settings.storage_dir) / "documents" / row["result"]["path"]).read_bytes()
        texts[document["type"]] = text_of(data)[1]
    assert "USD 640.00" in texts["estimate"] and "Valid until" in texts["estimate"]
    assert "PASS" in texts["inspection_report"] and "Watts 909" in texts["inspection_report"]
    assert "Relief valve opened at (psid)" in texts["inspection_report"]
    # The authority's required fields, in the section its form has them.
    authority = texts["inspection_report"].split("Required by Springfield Water", 1)[1]
    assert "Line pressure" in authority and "Shut-off valve #2" in authority
    assert "Leaking" in authority
    assert "[x]" in texts["work_order"] and "25.00" in texts["work_order"]


def test_report_is_emailed_with_the_pdf_attached(sql, run, mail_sink):
    report = {
        "type": "inspection_report",
        "number": "BF-78",
        "inspection_date": "2026-11-20",
        "customer": {"name": "City Deli"},
        "site_address": "5 Elm St",
        "inspector": "Tess",
        "result": "fail",
    }
    enqueue(
        sql,
        "pdf.render",
        {
            "document": report,
            "then": [
                {
                    "kind": "email.inspection_report_ready",
                    "payload": {
                        "to": "deli@x.test",
                        "customer_name": "City Deli",
                        "site_address": "5 Elm St",
                        "inspection_date": "2026-11-20",
                        "result": "fail",
                    },
                }
            ],
        },
        organization_id=ACME,
    )
    assert run() == 2
    [message] = mail_sink.wait_for(1)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "inspection-report.pdf"
    _pages, text = text_of(attachment.get_content())
    assert "BF-78" in text and "FAIL" in text


def test_documents_of_another_organization_are_never_attached(sql, run, mail_sink):
    job_id = enqueue(
        sql,
        "email.invoice_sent",
        {
            "to": "x@x.test",
            "customer_name": "X",
            "invoice_number": "1",
            "total": "1",
            "due_date": "2026-12-01",
            "document_path": f"{ACME}/invoice/INV-2001.pdf",
        },
        organization_id=BETA,
    )
    run()
    row = job(sql, job_id)
    assert row["status"] == "dead" and "does not belong" in row["last_error"]
    assert mail_sink.messages == []


def test_bad_documents_go_dead_with_a_reason(sql, run):
    broken = invoice()
    broken["items"] = []
    broken["tax_rate"] = "1.5"
    job_id = enqueue(sql, "pdf.render", {"document": broken}, organization_id=ACME)
    platform = enqueue(sql, "pdf.render", {"document": invoice(items=1)})
    run()
    row = job(sql, job_id)
    assert row["status"] == "dead"
    assert "document.invoice.items: List should have at least 1 item" in row["last_error"]
    assert "document.invoice.tax_rate: Input should be less than 1" in row["last_error"]
    assert job(sql, platform)["last_error"] == "A document job needs the organization it belongs to"


def test_priced_documents_print_the_databases_totals_and_every_option():
    organization = {"name": "Acme", "branding": {}, "currency": "USD"}
    stated = {"subtotal": "139.98", "discount": "1.00", "tax": "6.75", "total": "145.73"}
    invoice_doc = TypeAdapter(pdf.Document).validate_python(
        {
            "type": "invoice",
            "number": "INV-9",
            "issue_date": "2026-11-20",
            "due_date": "2026-12-20",
            "customer": {"name": "City Deli"},
            "items": [
                {"description": "Fittings", "quantity": "3", "unit_price": "3.33", "discount": "1"},
                {"description": "RP test", "quantity": "1", "unit_price": "129.99"},
            ],
            "stated_totals": stated,
            "amount_paid": "45.73",
        }
    )
    data, _, summary = pdf.render(invoice_doc, organization)
    assert summary["total"] == "145.73" and summary["balance"] == "100.00"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Discount" in text and "-1.00" in text and "Fittings (less 1.00)" in text

    estimate_doc = TypeAdapter(pdf.Document).validate_python(
        {
            "type": "estimate",
            "number": "EST-4",
            "issue_date": "2026-11-20",
            "valid_until": "2026-12-20",
            "customer": {"name": "City Deli"},
            "options": [
                {
                    "name": "Repair",
                    "items": [{"description": "Repair kit", "quantity": "1", "unit_price": "68"}],
                    "stated_totals": {"subtotal": "68", "tax": "4.25", "total": "72.25"},
                },
                {
                    "name": "Replace",
                    "items": [{"description": "New RP", "quantity": "1", "unit_price": "410"}],
                    "stated_totals": {"subtotal": "410", "tax": "25.63", "total": "435.63"},
                },
            ],
        }
    )
    data, _, summary = pdf.render(estimate_doc, organization)
    assert summary == {"currency": "USD", "option_1_total": "72.25", "option_2_total": "435.63"}
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Option 1: Repair" in text and "Option 2: Replace" in text


def test_a_document_past_the_line_cap_goes_dead_before_any_rendering(sql, run):
    """20,000 lines once rendered for 88 s into 4,001 pages; now the payload is refused whole."""
    job_id = enqueue(sql, "pdf.render", {"document": invoice(items=20_000)}, organization_id=ACME)
    run()
    row = job(sql, job_id)
    assert row["status"] == "dead"
    assert "document.invoice.items: List should have at most 500 items" in row["last_error"]


def test_rendering_stops_at_its_page_and_time_budgets():
    document = TypeAdapter(pdf.Document).validate_python(invoice(items=500))
    organization = {"name": "Acme", "branding": {}, "currency": "USD"}
    _, pages, _ = pdf.render(document, organization)
    assert pages < pdf.MAX_PAGES, "the largest allowed document fits the budget"
    with pytest.raises(pdf.OverBudget, match="more than 5 pages"):
        pdf.render(document, organization, max_pages=5)
    started = time.monotonic()
    with pytest.raises(pdf.OverBudget, match=r"longer than 0.05 s"):
        pdf.render(document, organization, seconds=0.05)
    assert time.monotonic() - started < 1, "the renderer stops itself at the deadline"


def test_an_over_budget_document_is_a_dead_job_with_the_reason(sql, run, monkeypatch):
    monkeypatch.setattr(pdf, "MAX_PAGES", 2)
    job_id = enqueue(sql, "pdf.render", {"document": invoice(items=200)}, organization_id=ACME)
    run()
    row = job(sql, job_id)
    assert row["status"] == "dead" and row["attempts"] == 1
    assert row["last_error"] == (
        "The document needs more than 2 pages: the document is too large to render"
    )
    assert (
        sql.execute(
            "select count(*) as n from public.documents where job_id = %s", (job_id,)
        ).fetchone()["n"]
        == 0
    )


def test_the_authority_copy_records_the_submission_once_its_email_has_gone(db, sql, run, mail_sink):
    """The worker's completion step (queue.record_authority_submission), not a trigger that
    reads payload keys: the report is submitted when the authority's email has gone."""
    from tests.worker.test_webhooks import call

    report = "a9000000-0000-4000-8000-000000000002"  # the school's retest (seed)
    technician = "a0000000-0000-4000-8000-000000000004"
    call(db, technician, "select public.finalize_backflow_test(%s)", (report,))
    assert (
        sql.execute(
            "select submitted_at from public.backflow_test_reports where id = %s", (report,)
        ).fetchone()["submitted_at"]
        is None
    )
    run()
    submitted = sql.execute(
        "select submitted_at, submitted_via::text from public.backflow_test_reports where id = %s",
        (report,),
    ).fetchone()
    assert submitted["submitted_at"] is not None and submitted["submitted_via"] == "email"
    authority = [m for m in mail_sink.messages if "report" in m["Subject"]]
    assert len(authority) == 2, "the customer's copy and the authority's"
    copy = sql.execute(
        "select result from queue.all_jobs where payload ? 'authority_submission_of'"
    ).fetchone()["result"]
    assert copy["submission_recorded"] is True
