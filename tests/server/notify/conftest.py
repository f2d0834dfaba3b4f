"""Email tests: the app sends through the smtp backend to the ``smtp_sink`` (tests/support/smtp.py)."""

from __future__ import annotations

import pytest
from astrocal_server.config import Settings

from tests.support.app import server_settings
from tests.support.emails import smtp_fields
from tests.support.smtp import Sink


@pytest.fixture
def settings(db_url: str, smtp_sink: Sink) -> Settings:
    return server_settings(db_url, **smtp_fields(smtp_sink))
