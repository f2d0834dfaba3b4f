"""Pure pieces of the CLI: profile resolution, the 0600 config file, input parsing, time display."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from astrocal_cli.display_fields import BOOKING_ROW, cell, lookup
from astrocal_cli.exit_codes import ExitCode, for_status
from astrocal_cli.profiles import ConfigError, ConfigFile, Profile, mask_key, resolve
from astrocal_cli.request_fields import (
    InputError,
    merge_body,
    parse_data,
    parse_hours,
    parse_metadata,
    parse_override,
)
from astrocal_cli.user_times import (
    TimeInputError,
    format_instant,
    parse_date,
    parse_instant,
    to_api_time,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")


def test_config_file_is_private_and_round_trips(tmp_path: Path) -> None:
    config = ConfigFile(tmp_path / "nested" / "config.json")
    config.set("work", Profile(api_key="sk_test_abc", base_url="https://api.example.com"))
    mode = stat.S_IMODE(config.path.stat().st_mode)
    assert mode == 0o600
    again = ConfigFile(config.path)
    assert again.get("work") == Profile("sk_test_abc", "https://api.example.com")
    assert again.default_profile == "work"  # the first saved profile becomes the default
    assert again.remove("work") and again.get("work") is None
    assert not again.remove("work")
    assert list(config.path.parent.glob(".config-*")) == []  # no temporary files left behind


def test_broken_config_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        ConfigFile(path).profiles()


def test_environment_overrides_profile(tmp_path: Path) -> None:
    config = ConfigFile(tmp_path / "config.json")
    config.set("default", Profile("sk_test_profile", "http://profile:8000"))
    config.set("other", Profile("sk_live_other", None))
    assert resolve(config, None, {}).api_key == "sk_test_profile"
    r = resolve(
        config, None, {"ASTROCAL_API_KEY": "sk_test_env", "ASTROCAL_BASE_URL": "http://env/"}
    )
    assert (r.api_key, r.base_url, r.api_key_source, r.base_url_source) == (
        "sk_test_env",
        "http://env",
        "ASTROCAL_API_KEY",
        "ASTROCAL_BASE_URL",
    )
    assert resolve(config, None, {"ASTROCAL_API_URL": "http://alt"}).base_url == "http://alt"
    other = resolve(config, "other", {})
    assert (other.profile, other.api_key, other.base_url) == (
        "other",
        "sk_live_other",
        "http://127.0.0.1:8000",
    )
    assert resolve(config, None, {"ASTROCAL_PROFILE": "other"}).profile == "other"
    assert resolve(config, "missing", {}).api_key is None


def test_mask_key() -> None:
    assert mask_key("sk_test_abcdefghijklmnopqrstuvwxyz") == "sk_test_abcd…wxyz"
    assert "abcdefghijklmnop" not in mask_key("sk_live_abcdefghijklmnopqrstuvwxyz")
    assert mask_key("short") == "…"


def test_parse_hours() -> None:
    assert parse_hours(["mon-wed 09:00-12:00,13:00-17:00", "sat 10:00-12:00"]) == [
        {"day": "monday", "start": "09:00", "end": "12:00"},
        {"day": "monday", "start": "13:00", "end": "17:00"},
        {"day": "tuesday", "start": "09:00", "end": "12:00"},
        {"day": "tuesday", "start": "13:00", "end": "17:00"},
        {"day": "wednesday", "start": "09:00", "end": "12:00"},
        {"day": "wednesday", "start": "13:00", "end": "17:00"},
        {"day": "saturday", "start": "10:00", "end": "12:00"},
    ]
    assert parse_hours(["Friday 9:00-24:00"]) == [
        {"day": "friday", "start": "09:00", "end": "24:00"}
    ]
    for bad in ["mon", "xyz 09:00-10:00", "fri-mon 09:00-10:00", "mon 9-10", "t 09:00-10:00"]:
        with pytest.raises(InputError):
            parse_hours([bad])


def test_parse_override_metadata_and_data(tmp_path: Path) -> None:
    assert parse_override("2026-12-24=off") == {"date": "2026-12-24", "intervals": []}
    assert parse_override("2026-12-27=10:00-14:00") == {
        "date": "2026-12-27",
        "intervals": [{"start": "10:00", "end": "14:00"}],
    }
    with pytest.raises(InputError):
        parse_override("christmas=off")
    assert parse_metadata(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(InputError):
        parse_metadata(["novalue"])
    body = tmp_path / "body.json"
    body.write_text('{"title": "From file", "seats_per_slot": 3}')
    assert parse_data(f"@{body}") == {"title": "From file", "seats_per_slot": 3}
    assert merge_body(parse_data('{"title": "A", "slug": "a"}'), title="B", slug=None) == {
        "title": "B",
        "slug": "a",
    }
    for bad in ["[1]", "{nope", f"@{tmp_path / 'missing.json'}"]:
        with pytest.raises(InputError):
            parse_data(bad)


def test_times_shown_and_read_in_the_users_zone() -> None:
    assert format_instant("2026-04-15T14:00:00Z", BERLIN) == "2026-04-15 16:00 CEST"
    assert format_instant("2026-01-15T14:00:00Z", BERLIN) == "2026-01-15 15:00 CET"
    assert format_instant("2026-04-15T14:00:00Z", UTC) == "2026-04-15 14:00 UTC"
    assert format_instant("garbage", UTC) == "garbage"
    assert to_api_time(parse_instant("2026-04-15 16:00", BERLIN)) == "2026-04-15T14:00:00Z"
    assert to_api_time(parse_instant("2026-04-15T14:00:00Z", BERLIN)) == "2026-04-15T14:00:00Z"
    assert to_api_time(parse_instant("2026-04-15T16:00+02:00", UTC)) == "2026-04-15T14:00:00Z"
    with pytest.raises(TimeInputError):
        parse_instant("next tuesday", UTC)
    now = datetime(2026, 4, 13, 23, 30, tzinfo=UTC)
    assert parse_date("today", BERLIN, today=now) == date(2026, 4, 14)  # already Tuesday there
    assert parse_date("tomorrow", UTC, today=now) == date(2026, 4, 14)
    assert parse_date("+7", UTC, today=now) == date(2026, 4, 20)
    assert parse_date("2026-05-01", UTC) == date(2026, 5, 1)
    with pytest.raises(TimeInputError):
        parse_date("05/01/2026", UTC)
    with pytest.raises(TimeInputError, match="IANA"):
        zone("Mars/Olympus")
    assert zone("utc") is UTC


def test_cells() -> None:
    booking = {"id": "bk_1", "start": "2026-04-15T14:00:00Z", "invitee": {"name": "Jo"}}
    assert lookup(booking, "invitee.name") == "Jo"
    assert lookup(booking, "invitee.missing.deeper") is None
    assert [cell(lookup(booking, f.path), f.kind, BERLIN) for f in BOOKING_ROW[:3]] == [
        "bk_1",
        "",
        "2026-04-15 16:00 CEST",
    ]
    assert cell(True, "bool", UTC) == "yes"
    assert cell(["a", "b"], "list", UTC) == "a, b"


def test_exit_codes_by_status() -> None:
    assert for_status(401) == ExitCode.AUTH == 3
    assert for_status(404) == ExitCode.NOT_FOUND
    assert for_status(409) == ExitCode.CONFLICT
    assert for_status(400) == for_status(422) == ExitCode.INVALID
    assert for_status(402) == for_status(429) == ExitCode.LIMIT
    assert for_status(503) == ExitCode.SERVER


def test_local_zone_is_named_when_the_machine_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from astrocal_cli.user_times import iana_name, local_zone

    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert iana_name(local_zone()) == "Europe/Berlin"
    monkeypatch.setenv("TZ", "")
    assert local_zone() is UTC
    assert iana_name(zone("America/New_York")) == "America/New_York"
