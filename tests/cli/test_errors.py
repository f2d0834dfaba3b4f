"""How SDK errors reach the user: stderr lines with status, code, message, param and request id,
and the documented exit code for every status family (the ones the live tests cannot provoke)."""

from __future__ import annotations

import json

import httpx
import pytest
import typer
from astrocal_cli.command_context import Cli
from astrocal_cli.error_reporting import handle_errors
from astrocal_sdk._exceptions import make_status_error


def _error(status: int, code: str, **extra: object) -> Exception:
    body = {
        "error": {
            "type": "api_error",
            "code": code,
            "message": f"{code} happened; try again later.",
            "request_id": "req_abc123",
            **extra,
        }
    }
    request = httpx.Request("GET", "http://127.0.0.1:8000/v1/usage")
    return make_status_error(httpx.Response(status, json=body, request=request))


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (500, "internal_error", 8),
        (503, "calendar_unavailable", 8),
        (429, "rate_limit_exceeded", 7),
        (402, "booking_limit_reached", 7),
        (403, "signup_disabled", 3),
        (422, "idempotency_key_reused", 6),
    ],
)
def test_status_errors_map_to_documented_exit_codes(
    status: int, code: str, exit_code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli()
    with pytest.raises(typer.Exit) as raised, handle_errors(cli):
        raise _error(status, code, param="start")
    assert raised.value.exit_code == exit_code
    err = capsys.readouterr().err
    assert f"Error {status} {code}: {code} happened" in err
    assert "param: start" in err and "request id: req_abc123" in err


def test_json_mode_puts_the_error_body_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as raised, handle_errors(Cli(json_mode=True)):
        raise _error(409, "slot_unavailable", details={"reasons": [], "alternatives": []})
    assert raised.value.exit_code == 5
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err)["error"]["code"] == "slot_unavailable"


def test_slot_unavailable_lists_reasons_and_alternatives(
    capsys: pytest.CaptureFixture[str],
) -> None:
    details = {
        "reasons": [{"code": "booked", "message": "Another booking holds this time."}],
        "alternatives": [{"start": "2026-04-15T09:30:00Z", "end": "2026-04-15T10:00:00Z"}],
    }
    with pytest.raises(typer.Exit), handle_errors(Cli(tz_name="Europe/Berlin")):
        raise _error(409, "slot_unavailable", details=details)
    err = capsys.readouterr().err
    assert "reason: booked: Another booking holds this time." in err
    assert "2026-04-15T09:30:00Z  (2026-04-15 11:30 CEST)" in err
