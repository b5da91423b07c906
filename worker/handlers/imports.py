"""import.run: a bulk import of customers, sites, assemblies or test history from a CSV or XLSX
file an owner or admin uploaded to <organization_id>/imports/.

The worker only reads the file: rows go to the database in batches as text (formulas stay
text, never evaluated), and the database validates, matches and writes them set-based
(supabase/current/17_bulk_import.sql). Each step is its own transaction and safe to repeat, so
a crash resumes where it was without writing anything twice. Memory is the file and one batch."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from pydantic import BaseModel, ConfigDict

from worker.errors import PermanentError
from worker.registry import JobContext, Registry

MAX_IMPORT_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
# Lines read at most, blank ones included: a workbook of empty rows (a few kilobytes zipped) must
# not keep a worker busy for an hour.
MAX_LINES = 5 * MAX_ROWS
MAX_COLUMNS = 200
# A longer cell is cut here: every column it could fill takes far less, so validation still
# refuses it as too long, without holding megabytes per cell.
MAX_CELL_CHARS = 10_001
LOAD_BATCH = 2_000
COMMIT_CHUNK = 5_000


class RunImport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    import_id: uuid.UUID


class ImportFileError(Exception):
    """The file cannot be imported; the message is for the person who uploaded it."""


@dataclass
class Table:
    file_format: str
    encoding: str | None
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number in the file, cells)


def _utf8_or(data: bytes) -> str:
    """The encoding a CSV without a byte order mark is in: UTF-8 when every byte sequence is
    valid UTF-8, else Windows-1252 (Latin-1 with the characters Excel writes), else Latin-1."""
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), 1 << 20):
                decoder.decode(data[start : start + (1 << 20)])
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_csv(data: bytes) -> Table:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif b"\x00" in data[:65536]:
        raise ImportFileError(
            "This file is not a CSV text file (it holds binary data); save it as CSV or XLSX"
        )
    else:
        encoding = _utf8_or(data)
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    first_line = text.readline()
    text.seek(0)
    reader = csv.reader(text, delimiter=_delimiter(first_line))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty") from None
    except csv.Error as error:
        raise ImportFileError(f"The file is not a readable CSV: {error}") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from enumerate(reader, start=2)
        except csv.Error as error:
            raise ImportFileError(
                f"The file is not a readable CSV near row {reader.line_num}: {error}"
            ) from None

    return Table("csv", encoding, header, rows())


def read_xlsx(data: bytes) -> Table:
    # Deferred: openpyxl is only needed for workbooks.
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula comes back as its text ("=HYPERLINK(...)"), never a result.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportFileError(f"This file is not a readable XLSX workbook ({error})") from None
    if not book.worksheets:
        raise ImportFileError("The workbook has no sheet")
    values = book.worksheets[0].iter_rows(values_only=True)
    try:
        header = [_cell_text(v) for v in next(values)]
    except StopIteration:
        raise ImportFileError("The file is empty") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        for index, row in enumerate(values, start=2):
            yield index, [_cell_text(v) for v in row]
        book.close()

    return Table("xlsx", None, header, rows())


def read_table(data: bytes, path: str) -> Table:
    """The file's header and rows, whatever its kind; ImportFileError says what is wrong."""
    if not data.strip():
        raise ImportFileError("The file is empty")
    if data.startswith(b"PK\x03\x04") or path.lower().endswith(".xlsx"):
        table = read_xlsx(data)
    else:
        table = read_csv(data)
    headers = [h.strip() for h in table.headers]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise ImportFileError("The first row must name the columns; it is empty")
    if len(headers) > MAX_COLUMNS:
        raise ImportFileError(f"The file has more than {MAX_COLUMNS} columns")
    headers = [h or f"(column {n})" for n, h in enumerate(headers, start=1)]
    seen: set[str] = set()
    for h in headers:
        if h.lower() in seen:
            raise ImportFileError(
                f'The column "{h}" appears twice in the header; give each column its own name'
            )
        seen.add(h.lower())
    table.headers = headers
    return table


def batches(table: Table) -> Iterator[list[dict[str, Any]]]:
    """Rows as the database loads them, LOAD_BATCH at a time; blank rows are skipped."""
    width = len(table.headers)
    batch: list[dict[str, Any]] = []
    count = 0
    for number, cells in table.rows:
        if number > MAX_LINES:
            raise ImportFileError(f"The file has more than {MAX_LINES:,} lines; split it")
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows; split it")
        batch.append(
            {
                "n": number,
                "cells": {
                    h: c[:MAX_CELL_CHARS] for h, c in zip(table.headers, cells, strict=False)
                },
                "extra": sum(1 for c in cells[width:] if c.strip()),
            }
        )
        if len(batch) == LOAD_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def _one(ctx: JobContext, name: str, **params: Any) -> dict[str, Any]:
    """The import as a queue function returns it (each call is its own transaction)."""
    rows = await ctx.db.fetch(name, worker_id=ctx.db.worker_id, job_id=ctx.job.id, **params)
    return rows[0]


async def _fail(ctx: JobContext, reason: str) -> None:
    await _one(ctx, "finish_import", refused_rows_path=None, error=reason)


async def _load(ctx: JobContext, imported: dict[str, Any]) -> str:
    """Reads the file into import_rows; returns the import's status afterwards."""
    data = await ctx.services.storage.get(imported["storage_path"])
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    table = read_table(data, imported["storage_path"])
    begun = await _one(
        ctx,
        "begin_import",
        file_format=table.file_format,
        encoding=table.encoding,
        headers=table.headers,
    )
    if begun["status"] != "loading":
        return begun["status"]
    total = 0
    for batch in batches(table):
        status = await ctx.db.fetch_value(
            "load_import_rows",
            worker_id=ctx.db.worker_id,
            job_id=ctx.job.id,
            batch=json.dumps(batch),
        )
        total += len(batch)
        if status != "loading":
            return status
    return await ctx.db.fetch_value(
        "finish_loading_import", worker_id=ctx.db.worker_id, job_id=ctx.job.id, total_rows=total
    )


async def _store_refused(ctx: JobContext, imported: dict[str, Any]) -> str | None:
    if not imported["summary"].get("rows", {}).get("refused"):
        return None
    path = f"{imported['organization_id']}/imports/{imported['id']}-refused.csv"
    with tempfile.NamedTemporaryFile(prefix="fieldbase-refused-", suffix=".csv") as out:
        async for row in ctx.db.stream(
            "import_refused_lines", worker_id=ctx.db.worker_id, job_id=ctx.job.id
        ):
            out.write(row["line"].encode() + b"\r\n")
        out.flush()
        await ctx.services.storage.put_file(path, Path(out.name), "text/csv")
    return path


def register(registry: Registry) -> None:
    @registry.register("import.run", RunImport)
    async def run_import(ctx: JobContext, p: RunImport) -> dict[str, Any]:
        imported = await _one(ctx, "import_of_job")
        status = imported["status"]
        try:
            if status in ("queued", "loading"):
                status = await _load(ctx, imported)
            if status in ("validating", "committing"):
                imported = await _one(ctx, "validate_import")
                status = imported["status"]
            if status == "committing":
                last_row = imported["summary"]["rows"]["last_row"] or 1
                for first in range(2, last_row + 1, COMMIT_CHUNK):
                    status = await ctx.db.fetch_value(
                        "commit_import_rows",
                        worker_id=ctx.db.worker_id,
                        job_id=ctx.job.id,
                        first_row=first,
                        last_row=first + COMMIT_CHUNK - 1,
                    )
                    if status != "committing":
                        break
        except ImportFileError as error:
            await _fail(ctx, str(error))
            raise PermanentError(str(error)) from error
        except (psycopg.errors.DataError, psycopg.errors.IntegrityConstraintViolation) as error:
            # What validation let through and a table refused: the import stops with the
            # table's reason (chunks already written stay, and a new run matches them).
            reason = error.diag.message_primary or str(error)
            await _fail(ctx, f"The database refused a row: {reason}")
            raise PermanentError(reason) from error
        imported = await _one(ctx, "import_of_job")
        if imported["status"] == "failed":
            # The database refused the file (no column for a required field, no rows): tell
            # the requester, and leave a dead job with the reason.
            imported = await _one(ctx, "finish_import", refused_rows_path=None, error=None)
            raise PermanentError(imported["error"])
        if imported["status"] in ("validated", "committing"):
            refused_path = await _store_refused(ctx, imported)
            imported = await _one(ctx, "finish_import", refused_rows_path=refused_path, error=None)
        return {
            "import_id": str(p.import_id),
            "status": imported["status"],
            "summary": imported["summary"],
        }
