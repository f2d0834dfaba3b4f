"""The output layer on its own: ids stay whole in narrow terminals, times are shown in --tz, the
spinner only animates on a terminal and never touches stdout."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from astrocal_cli.display_fields import BOOKING_ROW
from astrocal_cli.output import Output
from rich.console import Console

BOOKINGS = [
    {
        "id": "bk_4kz9q0w1x2c3v4b5n6m7",
        "status": "confirmed",
        "start": "2026-04-15T14:00:00Z",
        "end": "2026-04-15T14:30:00Z",
        "invitee": {"name": "Jo Smith with a rather long name", "email": "jo.smith@example.com"},
        "event_type_id": "evt_a1b2c3d4e5f6g7h8i9j0",
    }
]


def _output(width: int, *, terminal: bool = False) -> tuple[Output, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    output = Output(json_mode=False, tz=ZoneInfo("Europe/Berlin"))
    output._out = Console(file=out, width=width, force_terminal=False)
    output._err = Console(file=err, width=width, force_terminal=terminal)
    return output, out, err


@pytest.mark.parametrize("width", [60, 100, 200])
def test_ids_are_never_cut(width: int) -> None:
    output, out, _ = _output(width)
    output.table(BOOKINGS, BOOKING_ROW, more="More results: add --cursor abc")
    text = out.getvalue()
    assert "bk_4kz9q0w1x2c3v4b5n6m7" in text and "evt_a1b2c3d4e5f6g7h8i9j0" in text
    assert "2026-04-15 16:00 CEST" in text  # times stay whole too, in the --tz zone
    assert "--cursor abc" in text


def test_empty_tables_say_so() -> None:
    output, out, _ = _output(80)
    output.table([], BOOKING_ROW, empty="No bookings match.")
    assert out.getvalue().strip() == "No bookings match."


def test_spinner_is_silent_off_a_terminal_and_on_stderr_on_one() -> None:
    output, out, err = _output(80, terminal=False)
    with output.spinner("Booking"):
        pass
    assert out.getvalue() == err.getvalue() == ""
    output, out, err = _output(80, terminal=True)
    with output.spinner("Booking"):
        pass
    assert out.getvalue() == ""


def test_json_mode_sends_notes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    output = Output(json_mode=True, tz=ZoneInfo("UTC"))
    output.raw_json('{"id":"bk_1"}')
    output.line("Booked.")
    captured = capsys.readouterr()
    assert captured.out == '{"id":"bk_1"}\n'
    assert "Booked." in captured.err
