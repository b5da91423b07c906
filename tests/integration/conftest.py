"""Fixtures shared by the integration tests."""

from __future__ import annotations

import psycopg
import pytest

from fieldbase_local import api_reference, frontend


@pytest.fixture(scope="session")
def exposed_schema(templates) -> api_reference.Schema:
    """What the migrations expose through the API, read once from the migrated template."""
    with psycopg.connect(frontend.migrated_database(templates)) as conn:
        return api_reference.read_schema(conn)
