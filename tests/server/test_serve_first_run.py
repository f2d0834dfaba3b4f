"""``astrocal serve`` on a fresh machine: demo data, printed keys, and the printed curl answers slots."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live import stop

ASTROCAL = Path(sys.executable).with_name("astrocal")
CURL_LINE = re.compile(r"^\s*(curl .+)$", re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read_banner(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("API reference:"):
            return "".join(lines)
    raise AssertionError("serve exited before printing its banner:\n" + "".join(lines))


def _wait_until_ready(base_url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling for readiness only; no assertion depends on timing
    raise AssertionError("serve did not become ready within 30 s")


# The same ``astrocal serve`` with the optional fast paths (uvloop, httptools, orjson) made
# unimportable: the pure-Python fallback must serve the first run just the same.
PURE_PYTHON = (
    "import sys; sys.modules.update(dict.fromkeys(('uvloop', 'httptools', 'orjson'))); "
    "from astrocal_cli.__main__ import main; sys.argv[0] = 'astrocal'; main()"
)


@pytest.fixture(params=["installed", "pure-python"])
def fresh_serve(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")}
    command = (
        [str(ASTROCAL)] if request.param == "installed" else [sys.executable, "-c", PURE_PYTHON]
    )
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        cwd=tmp_path,  # no configuration at all: ./astrocal.db in the working directory
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        banner = _read_banner(process)
        if request.param == "pure-python":
            assert "Event loop: asyncio; HTTP parser: h11; JSON encoder: json" in banner, banner
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_ready(base_url, process)
        yield base_url, banner
    finally:
        stop(process)
    assert (tmp_path / "astrocal.db").exists()


def test_first_run_prints_keys_and_a_curl_that_returns_slots(
    fresh_serve: tuple[str, str],
) -> None:
    base_url, banner = fresh_serve
    assert re.search(r"live key: sk_live_[A-Za-z0-9_-]{40,}", banner), banner
    assert re.search(r"test key: sk_test_[A-Za-z0-9_-]{40,}", banner), banner
    match = CURL_LINE.search(banner)
    assert match, banner
    argv = shlex.split(match.group(1))
    assert argv[1] == f"{base_url}/v1/availability"
    key = argv[argv.index("-H") + 1].removeprefix("Authorization: Bearer ")
    form = argv[argv.index("-d") + 1]

    if shutil.which("curl"):
        # The printed command, verbatim (curl -d sends a form body, as on the product page).
        done = subprocess.run(
            [*argv, "-sS", "--max-time", "20"], capture_output=True, text=True, check=True
        )
        body = httpx.Response(200, content=done.stdout).json()
    else:
        response = httpx.post(
            f"{base_url}/v1/availability",
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            content=form,
        )
        assert response.status_code == 200, response.text
        body = response.json()
    assert body["data"], body
    first = body["data"][0]
    assert first["start"].endswith("Z") and first["end"] > first["start"]


def test_a_second_start_reuses_the_database_and_prints_no_keys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")}
    outputs = []
    for _ in range(2):
        port = _free_port()
        process = subprocess.Popen(
            [str(ASTROCAL), "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            outputs.append(_read_banner(process))
        finally:
            process.terminate()
            process.wait(timeout=15)
    assert "sk_live_" in outputs[0]
    assert "sk_live_" not in outputs[1] and "existing database" in outputs[1]
