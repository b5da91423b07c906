"""Where documents are stored: a local directory by default, Supabase Storage in production.

Paths are '<organization_id>/<kind>/<file>' inside the bucket, as the storage policies expect.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from worker.config import Settings


@dataclass(frozen=True)
class StoredObject:
    bucket: str
    path: str
    size_bytes: int
    sha256: str
    # Where a person can open it (a file path locally; the storage path on Supabase).
    location: str


class Storage(Protocol):
    bucket: str

    async def put(self, path: str, data: bytes, content_type: str) -> StoredObject: ...

    async def put_file(self, path: str, source: Path, content_type: str) -> StoredObject:
        """Store a local file without reading it into memory."""
        ...

    async def get(self, path: str, bucket: str | None = None) -> bytes: ...

    async def remove_organization(
        self, organization_id: str, objects: list[tuple[str, str]]
    ) -> int: ...


def _file_digest(source: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _checked(path: str) -> str:
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid storage path {path!r}")
    return path


class LocalStorage:
    """Files under <root>/<bucket>/<path>, written atomically."""

    def __init__(self, root: Path, bucket: str = "documents"):
        self.root = Path(root)
        self.bucket = bucket

    def _file(self, path: str) -> Path:
        return self.root / self.bucket / _checked(path)

    def _write(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)

    async def put(self, path: str, data: bytes, content_type: str) -> StoredObject:
        target = self._file(path)
        await asyncio.to_thread(self._write, target, data)
        return StoredObject(
            self.bucket, path, len(data), hashlib.sha256(data).hexdigest(), str(target.resolve())
        )

    def _copy(self, target: Path, source: Path) -> tuple[int, str]:
        """Copy in chunks, hashing as it goes (one read of the file); size and SHA-256."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        os.replace(tmp, target)
        return size, digest.hexdigest()

    async def put_file(self, path: str, source: Path, content_type: str) -> StoredObject:
        target = self._file(path)
        size, sha256 = await asyncio.to_thread(self._copy, target, source)
        return StoredObject(self.bucket, path, size, sha256, str(target.resolve()))

    async def get(self, path: str, bucket: str | None = None) -> bytes:
        """A stored file, from the documents bucket or another (attachments)."""
        source = self.root / (bucket or self.bucket) / _checked(path)
        return await asyncio.to_thread(source.read_bytes)

    async def remove_organization(
        self, organization_id: str, objects: list[tuple[str, str]]
    ) -> int:
        """Deletes everything stored under <organization_id>/ in every bucket; returns how many
        files went."""
        folder = _checked(str(uuid.UUID(organization_id)))

        def remove() -> int:
            removed = 0
            for bucket in self.root.glob("*"):
                target = bucket / folder
                if target.is_dir():
                    removed += sum(1 for f in target.rglob("*") if f.is_file())
                    shutil.rmtree(target)
            return removed

        return await asyncio.to_thread(remove)


class SupabaseStorage:
    """Supabase Storage through the supabase client (service role key; upserts)."""

    def __init__(self, url: str, service_role_key: str, bucket: str = "documents"):
        from supabase import create_client

        self.bucket = bucket
        self._client = create_client(url, service_role_key)
        self._bucket = self._client.storage.from_(bucket)

    async def put(self, path: str, data: bytes, content_type: str) -> StoredObject:
        await asyncio.to_thread(
            self._bucket.upload,
            _checked(path),
            data,
            {"content-type": content_type, "upsert": "true"},
        )
        return StoredObject(
            self.bucket, path, len(data), hashlib.sha256(data).hexdigest(), f"{self.bucket}/{path}"
        )

    async def put_file(self, path: str, source: Path, content_type: str) -> StoredObject:
        # storage3 opens a Path itself and hands httpx the file, not its bytes.
        await asyncio.to_thread(
            self._bucket.upload,
            _checked(path),
            Path(source),
            {"content-type": content_type, "upsert": "true"},
        )
        size, sha256 = await asyncio.to_thread(_file_digest, Path(source))
        return StoredObject(self.bucket, path, size, sha256, f"{self.bucket}/{path}")

    async def get(self, path: str, bucket: str | None = None) -> bytes:
        """A stored file, from the documents bucket or another (attachments)."""
        source = self._client.storage.from_(bucket) if bucket else self._bucket
        return await asyncio.to_thread(source.download, _checked(path))

    async def remove_organization(
        self, organization_id: str, objects: list[tuple[str, str]]
    ) -> int:
        """Deletes the listed objects (every bucket's objects under <organization_id>/), a
        hundred per request, as Storage's remove takes them."""
        prefix = f"{uuid.UUID(organization_id)}/"
        by_bucket: dict[str, list[str]] = {}
        for bucket, name in objects:
            if name.startswith(prefix):
                by_bucket.setdefault(bucket, []).append(_checked(name))
        for bucket, names in by_bucket.items():
            for start in range(0, len(names), 100):
                await asyncio.to_thread(
                    self._client.storage.from_(bucket).remove, names[start : start + 100]
                )
        return sum(len(names) for names in by_bucket.values())


def storage_from_settings(settings: Settings) -> Storage:
    if settings.storage_backend == "supabase":
        return SupabaseStorage(
            settings.supabase_url,
            settings.supabase_service_role_key.get_secret_value(),
            settings.storage_bucket,
        )
    return LocalStorage(settings.storage_dir, settings.storage_bucket)
