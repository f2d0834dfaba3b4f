"""SDK test support: the reference server on a loopback port for the sync client and real HTTP,
and transports that lose a response on the way back.

- ``serve(db_dir, clock)``: the server (SQLite in ``db_dir``) on a free loopback port in a thread
  with its own event loop; yields a ``LiveServer`` (``url``, ``new_key()``).
- ``readme_python(heading)`` / ``run_readme_python(heading, db_dir)``: the first python block under
  a README heading, and its output when run as written (a subprocess, real clock) against ``serve``.
- ``no_sleep``: an async sleep that returns at once (retries without waiting).
- ``DropFirstResponse`` / ``AsyncDropFirstResponse``: forward every request but lose the first
  response (a connection reset after the server did the work).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from astrocal_sdk import Astrocal
from astrocal_server.clock import Clock, SystemClock

from tests.support.app import server_settings
from tests.support.databases import sqlite_url
from tests.support.live import serve_app


async def no_sleep(seconds: float) -> None:
    return None


class LiveServer:
    def __init__(self, url: str) -> None:
        self.url = url

    def new_key(self) -> str:
        """A fresh account's test key, through the SDK's signup call."""
        signup = Astrocal(api_key="unused-for-signup", base_url=self.url)
        with signup:
            created = signup.accounts.create(
                name="SDK Test Co",
                email=f"sdk-{uuid.uuid4().hex[:10]}@example.com",
                time_zone="Europe/Berlin",
            )
        return created.test_key.secret


@contextlib.contextmanager
def serve(db_dir: Path, clock: Clock) -> Iterator[LiveServer]:
    """The reference server on a free loopback port, in a thread with its own event loop."""
    from astrocal_server.app import create_app

    application = create_app(server_settings(sqlite_url(db_dir)), clock=clock)
    with serve_app(application) as url:
        yield LiveServer(url)


class DropFirstResponse(httpx.BaseTransport):
    """Sends every request to the server, but loses the first response on the way back."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.inner.handle_request(request)
        if len(self.requests) == 1:
            response.read()
            response.close()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


class AsyncDropFirstResponse(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = await self.inner.handle_async_request(request)
        if len(self.requests) == 1:
            await response.aread()
            await response.aclose()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_python(heading: str, blocks: int = 1) -> str:
    """The first ``blocks`` ```python blocks after ``heading`` in the README, run as one script."""
    section = README.read_text().split(heading, 1)[1]
    found = re.findall(r"```python\n(.+?)\n```", section, re.S)[:blocks]
    assert len(found) == blocks, f"fewer than {blocks} python block(s) under {heading!r}"
    return "\n".join(found)


def run_readme_python(
    heading: str, db_dir: Path, blocks: int = 1
) -> subprocess.CompletedProcess[str]:
    """Run the README's block as a reader would: a fresh server (the real clock, since a reader's
    code asks for "today"), a new account's key in ``ASTROCAL_API_KEY``, a separate process."""
    with serve(db_dir, SystemClock()) as server:
        env = {**os.environ, "ASTROCAL_API_KEY": server.new_key(), "ASTROCAL_BASE_URL": server.url}
        return subprocess.run(
            [sys.executable, "-c", readme_python(heading, blocks)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )


def assert_readme_python_prints_its_text(heading: str, db_dir: Path) -> None:
    """Run the README's first python block after ``heading`` and assert that it prints the lines
    of the first ```text block there."""
    result = run_readme_python(heading, db_dir)
    assert result.returncode == 0, result.stderr
    section = README.read_text().split(heading, 1)[1]
    shown = re.search(r"```text\n(.+?)\n```", section, re.S)
    assert shown is not None, f"no text block under {heading!r}"
    assert result.stdout.strip().splitlines() == shown.group(1).splitlines()
