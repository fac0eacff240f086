"""CDR test fixtures."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def mysql_uri(mysql_server: dict[str, Any], mysql_db: str) -> str:
    return (
        f"mysql://{mysql_server['user']}@{mysql_server['host']}:{mysql_server['port']}/{mysql_db}"
    )
