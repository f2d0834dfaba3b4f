"""The README's CLI walkthrough, run as written: a real `astrocal serve` process, `astrocal init`,
a webhook endpoint with `astrocal webhooks listen` as its receiver, a booking, and the delivery.

Only the ports change (free ones instead of 8000/9000, so parallel runs never collide). The server
runs on the real clock here, so the walkthrough books a real upcoming slot.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.live import free_socket as _free_socket

ROOT = Path(__file__).resolve().parents[2]


def _walkthrough() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### CLI walkthrough", 1)[1]
    match = re.search(r"```sh\n(.+?)\n```", section, re.S)
    assert match, "no sh block in the README's CLI walkthrough"
    return match.group(1)


def _port() -> int:
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    return port


def _serves_bookings() -> bool:
    from astrocal_server.api import ROUTERS

    return any(
        getattr(r, "path", None) == "/v1/bookings" for router in ROUTERS for r in router.routes
    )


@pytest.mark.slow
def test_readme_walkthrough_books_and_delivers(tmp_path: Path) -> None:
    if shutil.which("jq") is None:
        pytest.skip("the walkthrough uses jq, which is not installed")
    if not _serves_bookings():
        pytest.skip("/v1/bookings is not served by this build yet")
    api_port, hook_port = _port(), _port()
    script = (
        _walkthrough()
        .replace("astrocal serve &", f"astrocal serve --port {api_port} &")
        .replace("127.0.0.1:9000", f"127.0.0.1:{hook_port}")
        .replace("--port 9000", f"--port {hook_port}")
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")},
        "ASTROCAL_CONFIG_DIR": str(tmp_path / "config"),
        "ASTROCAL_BASE_URL": f"http://127.0.0.1:{api_port}",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "200",
    }
    workdir = tmp_path / "demo"
    workdir.mkdir()
    proc = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # anything the script left behind
    assert proc.returncode == 0, f"stdout:\n{stdout}\nstderr:\n{stderr}"
    assert "Created account" in stdout and "Mode:     test" in stdout
    assert "Open slots" in stdout
    booking_id = re.search(r"\b(bk_[a-z0-9]+)\b", stdout)
    assert booking_id, stdout
    delivered = [
        line for line in stdout.splitlines() if "booking.created" in line and "verified" in line
    ]
    assert delivered and booking_id.group(1) in delivered[0], stdout
    assert "succeeded" in stdout  # the delivery log shows it
