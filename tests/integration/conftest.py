"""Fixtures shared by the integration tests."""

from __future__ import annotations

import psycopg
import pytest

from fieldbase_local import settings
from fieldbase_local.testing import PGTAP_TEMPLATE
from generators import api_reference


@pytest.fixture(scope="session")
def migrated_dsn(templates) -> str:
    """The migrated template, without the test helpers: what the migrations build."""
    return templates.dsn(settings.SCHEMA_OWNER, PGTAP_TEMPLATE)


@pytest.fixture(scope="session")
def exposed_schema(migrated_dsn) -> api_reference.Schema:
    """What the migrations expose through the API, read once from the migrated template."""
    with psycopg.connect(migrated_dsn) as conn:
        return api_reference.read_schema(conn)
