"""Email tests: the app sends through the smtp backend to the ``smtp_sink`` (tests/support/smtp.py)."""

from __future__ import annotations

import pytest
from astrocal_server.config import Settings

from tests.support.app import server_settings
from tests.support.emails import SENDER
from tests.support.smtp import Sink


@pytest.fixture
def settings(db_url: str, smtp_sink: Sink) -> Settings:
    return server_settings(db_url, email_backend="smtp", smtp_url=smtp_sink.url, email_from=SENDER)
