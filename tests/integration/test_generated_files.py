"""Every generated file is what scripts/regenerate makes of the migrations and the worker's
models right now; a stale one fails here, named."""

from __future__ import annotations

from fieldbase_local import settings
from generators import regenerate


def test_every_generated_file_is_current(migrated_dsn):
    stale = [
        str(path.relative_to(settings.REPO_ROOT))
        for path, text in regenerate.generated(migrated_dsn).items()
        if not path.exists() or path.read_text() != text
    ]
    assert stale == [], "stale, run scripts/regenerate"
