"""PDF documents with fpdf2: invoice, estimate, inspection (backflow test) report, work order.

Branded with the organization's name, colour and footer; DejaVu fonts shipped in the package so
any language prints; line items flow over as many pages as they need, with the table heading
repeated; the same input always gives the same bytes (fixed creation date and file id).

Bounded: a document has at most MAX_LINES lines (the database refuses more), and rendering stops
with OverBudget past MAX_PAGES pages or RENDER_SECONDS, so one tenant's document cannot hold a
worker's core for minutes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Annotated, Any, Literal

from fpdf import FPDF
from fpdf.fonts import FontFace
from pydantic import BaseModel, ConfigDict, Field, model_validator

CENT = Decimal("0.01")
# The database's cap on lines per invoice, estimate and work-order checklist
# (private.limit_lines_per_document); a payload with more is refused before rendering.
MAX_LINES = 500
# What one document may cost: 500 lines fit in well under 50 pages and two seconds.
MAX_PAGES = 200
RENDER_SECONDS = 30.0


class OverBudget(Exception):
    """The document needs more pages or time than a document may have."""


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(_Model):
    name: str = Field(min_length=1)
    address: list[str] = []
    email: str | None = None
    phone: str | None = None


class LineItem(_Model):
    description: str = Field(min_length=1)
    quantity: Decimal = Field(gt=0)
    unit_price: Decimal
    # The line's discount as an amount (the database computes it from a percentage).
    discount: Decimal = Field(default=Decimal(0), ge=0)

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price) - money(self.discount)


class Signature(_Model):
    """A customer's signature (public.signatures); the image is loaded from Storage by the job."""

    signer_name: str = Field(min_length=1, max_length=200)
    signed_at: dt.datetime
    image_path: str = Field(max_length=500)


class StatedTotals(_Model):
    """Totals as the database computed them (taxes per rate): printed as given."""

    subtotal: Decimal
    discount: Decimal = Decimal(0)
    tax: Decimal
    total: Decimal


def _totals(
    items: list[LineItem], tax_rate: Decimal, stated: StatedTotals | None
) -> dict[str, Decimal]:
    if stated is not None:
        return {
            "subtotal": money(stated.subtotal),
            "discount": money(stated.discount),
            "tax": money(stated.tax),
            "total": money(stated.total),
        }
    subtotal = sum((money(i.quantity * i.unit_price) for i in items), Decimal(0))
    discount = sum((money(i.discount) for i in items), Decimal(0))
    tax = money((subtotal - discount) * tax_rate)
    return {
        "subtotal": subtotal,
        "discount": discount,
        "tax": tax,
        "total": subtotal - discount + tax,
    }


class _Priced(_Model):
    number: str = Field(min_length=1, max_length=50)
    issue_date: dt.date
    customer: Party
    items: list[LineItem] = Field(min_length=1, max_length=MAX_LINES)
    tax_rate: Decimal = Field(default=Decimal(0), ge=0, lt=1)
    stated_totals: StatedTotals | None = None
    currency: str | None = None
    notes: str | None = None

    def totals(self) -> dict[str, Decimal]:
        return _totals(self.items, self.tax_rate, self.stated_totals)


class InvoiceDocument(_Priced):
    type: Literal["invoice"]
    due_date: dt.date
    amount_paid: Decimal = Decimal(0)

    def totals(self) -> dict[str, Decimal]:
        totals = super().totals()
        return {
            **totals,
            "paid": money(self.amount_paid),
            "balance": totals["total"] - money(self.amount_paid),
        }


class EstimateOption(_Model):
    """One choice of an estimate (good / better / best), with its own lines and totals."""

    name: str = Field(min_length=1, max_length=100)
    items: list[LineItem] = Field(min_length=1, max_length=MAX_LINES)
    stated_totals: StatedTotals | None = None


class EstimateDocument(_Priced):
    type: Literal["estimate"]
    valid_until: dt.date
    signature: Signature | None = None
    # Lines of a single-choice estimate, or options of which the customer chooses one.
    items: list[LineItem] = Field(default=[], max_length=MAX_LINES)
    options: list[EstimateOption] = Field(default=[], max_length=MAX_LINES)

    @model_validator(mode="after")
    def _has_lines(self) -> EstimateDocument:
        if not self.items and not self.options:
            raise ValueError("An estimate needs items or options")
        if len(self.items) + sum(len(o.items) for o in self.options) > MAX_LINES:
            raise ValueError(f"An estimate has at most {MAX_LINES} lines")
        return self


class Device(_Model):
    kind: str = Field(description="RP, DC, PVB, SVB ...")
    manufacturer: str
    model: str
    serial_number: str
    size: str
    location: str


class Reading(_Model):
    label: str
    value: str
    passed: bool | None = None


class AuthorityField(_Model):
    label: str = Field(max_length=200)
    value: str = Field(max_length=2000)


class AuthoritySection(_Model):
    """The fields a water authority requires on its reports, shown as a section of their own."""

    name: str = Field(max_length=200)
    fields: list[AuthorityField] = Field(default=[], max_length=MAX_LINES)


class InspectionReportDocument(_Model):
    type: Literal["inspection_report"]
    number: str = Field(min_length=1, max_length=50)
    inspection_date: dt.date
    inspection_type: str = "Backflow prevention assembly test"
    customer: Party
    site_address: str
    inspector: str
    certification_number: str | None = None
    device: Device | None = None
    readings: list[Reading] = Field(default=[], max_length=MAX_LINES)
    authority: AuthoritySection | None = None
    result: Literal["pass", "fail", "repair needed"]
    notes: str | None = None
    signature: Signature | None = None


class Task(_Model):
    description: str
    done: bool = False


class WorkOrderDocument(_Model):
    type: Literal["work_order"]
    number: str = Field(min_length=1, max_length=50)
    scheduled_for: dt.datetime
    customer: Party
    site_address: str
    technician: str | None = None
    tasks: list[Task] = Field(default=[], max_length=MAX_LINES)
    materials: list[LineItem] = Field(default=[], max_length=MAX_LINES)
    notes: str | None = None
    signature: Signature | None = None


Document = Annotated[
    InvoiceDocument | EstimateDocument | InspectionReportDocument | WorkOrderDocument,
    Field(discriminator="type"),
]

TITLES = {
    "invoice": "Invoice",
    "estimate": "Estimate",
    "inspection_report": "Inspection report",
    "work_order": "Work order",
}


def _rgb(color: str | None) -> tuple[int, int, int]:
    color = (color or "#1f6feb").lstrip("#")
    try:
        return (int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16))
    except (ValueError, IndexError):
        return (31, 111, 235)


class BrandedPdf(FPDF):
    def __init__(
        self,
        organization: dict[str, Any],
        title: str,
        number: str,
        max_pages: int,
        seconds: float,
    ):
        super().__init__(format="A4")
        self.max_pages = max_pages
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.organization = organization
        self.doc_title = title
        self.number = number
        self.brand = _rgb(organization.get("branding", {}).get("primary_color"))
        fonts = resources.files("worker").joinpath("fonts")
        self.add_font("DejaVu", "", str(fonts.joinpath("DejaVuSans.ttf")))
        self.add_font("DejaVu", "B", str(fonts.joinpath("DejaVuSans-Bold.ttf")))
        self.set_font("DejaVu", size=10)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(f"{title} {number}")
        self.set_author(organization["name"])
        self.set_creator("fieldbase")
        self.alias_nb_pages()

    def header(self) -> None:
        # Every page starts here, so the budget is checked as the document grows.
        if self.page_no() > self.max_pages:
            raise OverBudget(f"The document needs more than {self.max_pages} pages")
        if time.monotonic() > self.deadline:
            raise OverBudget(f"The document took longer than {self.seconds:g} s to render")
        self.set_fill_color(*self.brand)
        self.rect(0, 0, self.w, 18, style="F")
        self.set_text_color(255, 255, 255)
        self.set_font("DejaVu", "B", 14)
        self.set_xy(self.l_margin, 5)
        self.cell(0, 8, self.organization["name"])
        self.set_xy(self.l_margin, 5)
        self.cell(0, 8, f"{self.doc_title} {self.number}", align="R")
        self.set_text_color(0, 0, 0)
        self.set_font("DejaVu", size=10)
        self.set_y(24)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", size=8)
        self.set_text_color(100, 100, 100)
        footer = self.organization.get("branding", {}).get("footer") or self.organization["name"]
        self.cell(0, 5, footer)
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font("DejaVu", "B", 11)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", size=10)

    def lines(self, lines: list[str]) -> None:
        for line in lines:
            self.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")

    def party(self, label: str, party: Party) -> None:
        self.heading(label)
        extra = [x for x in (party.email, party.phone) if x]
        self.lines([party.name, *party.address, *extra])

    def facts(self, rows: list[tuple[str, str]]) -> None:
        with self.table(
            col_widths=(45, 135), first_row_as_headings=False, borders_layout="NONE"
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(label, style=FontFace(emphasis="BOLD"))
                row.cell(value)


def _items_table(pdf: BrandedPdf, items: list[LineItem], currency: str) -> None:
    headings = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=pdf.brand)
    with pdf.table(
        col_widths=(100, 20, 30, 30),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=headings,
        repeat_headings=1,
    ) as table:
        table.row(["Description", "Qty", f"Unit ({currency})", f"Amount ({currency})"])
        for item in items:
            description = item.description
            if item.discount:
                description += f" (less {item.discount:,.2f})"
            table.row(
                [
                    description,
                    f"{item.quantity.normalize():f}",
                    f"{item.unit_price:,.2f}",
                    f"{item.amount:,.2f}",
                ]
            )


def _totals_rows(pdf: BrandedPdf, rows: list[tuple[str, Decimal]], currency: str) -> None:
    pdf.ln(2)
    for label, value in rows:
        pdf.set_font("DejaVu", "B" if label in ("Total", "Balance due") else "", 10)
        pdf.cell(150, 6, label, align="R")
        pdf.cell(30, 6, f"{currency} {value:,.2f}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)


def _price_rows(totals: dict[str, Decimal], tax_label: str) -> list[tuple[str, Decimal]]:
    rows = [("Subtotal", totals["subtotal"])]
    if totals["discount"]:
        rows.append(("Discount", -totals["discount"]))
    return [*rows, (tax_label, totals["tax"]), ("Total", totals["total"])]


def _signature_block(
    pdf: BrandedPdf, label: str, signature: Signature | None, image: bytes | None
) -> None:
    """The customer's signature as it was given (image, name, time), or a line to sign on."""
    pdf.ln(10)
    if signature is None:
        pdf.cell(90, 5, f"{label}: ________________", new_x="LMARGIN", new_y="NEXT")
        return
    if image:
        pdf.image(io.BytesIO(image), w=60, h=20, keep_aspect_ratio=True)
    signed = signature.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"{label}: {signature.signer_name}, signed {signed}"
    pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")


def _render_priced(
    pdf: BrandedPdf,
    doc: InvoiceDocument | EstimateDocument,
    currency: str,
    signature_image: bytes | None = None,
) -> dict:
    facts = [("Number", doc.number), ("Issued", doc.issue_date.isoformat())]
    if isinstance(doc, InvoiceDocument):
        facts.append(("Due", doc.due_date.isoformat()))
    else:
        facts.append(("Valid until", doc.valid_until.isoformat()))
    pdf.facts(facts)
    pdf.party("Bill to", doc.customer)
    tax_label = "Tax" if doc.stated_totals else f"Tax ({doc.tax_rate * 100:.2f}%)"
    summary: dict = {}
    if isinstance(doc, EstimateDocument) and doc.options:
        for index, option in enumerate(doc.options, start=1):
            pdf.heading(f"Option {index}: {option.name}")
            _items_table(pdf, option.items, currency)
            totals = _totals(option.items, doc.tax_rate, option.stated_totals)
            _totals_rows(
                pdf, _price_rows(totals, "Tax" if option.stated_totals else tax_label), currency
            )
            summary[f"option_{index}_total"] = str(totals["total"])
    else:
        pdf.heading("Items")
        _items_table(pdf, doc.items, currency)
        totals = doc.totals()
        rows = _price_rows(totals, tax_label)
        if isinstance(doc, InvoiceDocument):
            rows += [("Paid", totals["paid"]), ("Balance due", totals["balance"])]
        _totals_rows(pdf, rows, currency)
        summary = {key: str(value) for key, value in totals.items()}
    if doc.notes:
        pdf.heading("Notes")
        pdf.lines([doc.notes])
    if isinstance(doc, EstimateDocument) and doc.signature:
        _signature_block(pdf, "Accepted by", doc.signature, signature_image)
    return summary


def _render_inspection(
    pdf: BrandedPdf, doc: InspectionReportDocument, signature_image: bytes | None = None
) -> dict:
    pdf.facts(
        [
            ("Report", doc.number),
            ("Inspection", doc.inspection_type),
            ("Date", doc.inspection_date.isoformat()),
            ("Site", doc.site_address),
            (
                "Inspector",
                doc.inspector
                + (f" (cert. {doc.certification_number})" if doc.certification_number else ""),
            ),
            ("Result", doc.result.upper()),
        ]
    )
    pdf.party("Customer", doc.customer)
    if doc.device:
        d = doc.device
        pdf.heading("Assembly")
        pdf.facts(
            [
                ("Type", d.kind),
                ("Make / model", f"{d.manufacturer} {d.model}"),
                ("Serial number", d.serial_number),
                ("Size", d.size),
                ("Location", d.location),
            ]
        )
    if doc.readings:
        pdf.heading("Test readings")
        with pdf.table(col_widths=(100, 50, 30), repeat_headings=1) as table:
            table.row(["Check", "Reading", "Result"])
            for reading in doc.readings:
                verdict = "" if reading.passed is None else ("Pass" if reading.passed else "Fail")
                table.row([reading.label, reading.value, verdict])
    if doc.authority and doc.authority.fields:
        pdf.heading(f"Required by {doc.authority.name}")
        pdf.facts([(f.label, f.value) for f in doc.authority.fields])
    if doc.notes:
        pdf.heading("Notes")
        pdf.lines([doc.notes])
    pdf.heading("Certification")
    pdf.lines(
        [f"I certify that the assembly above was tested on {doc.inspection_date.isoformat()}."]
    )
    if doc.signature:
        _signature_block(pdf, "Customer", doc.signature, signature_image)
    pdf.ln(12)
    pdf.cell(80, 5, "Signature: ______________________")
    return {"result": doc.result}


def _render_work_order(
    pdf: BrandedPdf, doc: WorkOrderDocument, currency: str, signature_image: bytes | None = None
) -> dict:
    pdf.facts(
        [
            ("Work order", doc.number),
            ("Scheduled", doc.scheduled_for.strftime("%Y-%m-%d %H:%M %Z").strip()),
            ("Site", doc.site_address),
            ("Technician", doc.technician or "Unassigned"),
        ]
    )
    pdf.party("Customer", doc.customer)
    if doc.tasks:
        pdf.heading("Tasks")
        with pdf.table(col_widths=(15, 165), repeat_headings=1) as table:
            table.row(["Done", "Task"])
            for task in doc.tasks:
                table.row(["[x]" if task.done else "[ ]", task.description])
    if doc.materials:
        pdf.heading("Materials")
        with pdf.table(
            col_widths=(110, 20, 50), text_align=("LEFT", "RIGHT", "RIGHT"), repeat_headings=1
        ) as table:
            table.row(["Item", "Qty", f"Amount ({currency})"])
            for item in doc.materials:
                table.row(
                    [item.description, f"{item.quantity.normalize():f}", f"{item.amount:,.2f}"]
                )
    if doc.notes:
        pdf.heading("Notes")
        pdf.lines([doc.notes])
    _signature_block(pdf, "Customer signature", doc.signature, signature_image)
    return {
        "tasks": len(doc.tasks),
        "tasks_done": sum(t.done for t in doc.tasks),
        "signed": doc.signature is not None,
    }


def render(
    document: InvoiceDocument | EstimateDocument | InspectionReportDocument | WorkOrderDocument,
    organization: dict[str, Any],
    max_pages: int | None = None,
    seconds: float | None = None,
    signature_image: bytes | None = None,
) -> tuple[bytes, int, dict]:
    """Render a document; returns (pdf bytes, page count, summary such as totals). Raises
    OverBudget past max_pages pages or seconds of rendering (MAX_PAGES, RENDER_SECONDS)."""
    title = TITLES[document.type]
    currency = getattr(document, "currency", None) or organization.get("currency") or "USD"
    pdf = BrandedPdf(
        organization,
        title,
        document.number,
        max_pages or MAX_PAGES,
        seconds or RENDER_SECONDS,
    )
    # Deterministic output: the creation date and file id come from the input, not the clock.
    stamp = getattr(document, "issue_date", None) or getattr(document, "inspection_date", None)
    if stamp is None:
        stamp = document.scheduled_for.date()
    pdf.set_creation_date(dt.datetime.combine(stamp, dt.time(), tzinfo=dt.UTC))
    digest = hashlib.md5(document.model_dump_json().encode(), usedforsecurity=False).hexdigest()
    pdf.file_id = lambda: f"<{digest}><{digest}>"
    pdf.add_page()
    if isinstance(document, InvoiceDocument | EstimateDocument):
        summary = _render_priced(pdf, document, currency, signature_image)
    elif isinstance(document, InspectionReportDocument):
        summary = _render_inspection(pdf, document, signature_image)
    else:
        summary = _render_work_order(pdf, document, currency, signature_image)
    data = bytes(pdf.output())
    return data, pdf.pages_count, {"currency": currency, **summary}
