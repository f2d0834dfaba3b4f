"""SecretBox: AES-GCM sealing with key ids, rotation, context binding and tamper detection."""

from __future__ import annotations

import base64

import pytest
from astrocal_server.config import Settings
from astrocal_server.crypto import SecretBox, SecretBoxError

K1 = ("k1", b"\x01" * 32)
K2 = ("k2", b"\x02" * 32)


def test_round_trip_and_format() -> None:
    box = SecretBox([K1])
    token = box.seal("hunter2")
    assert token.startswith("v1.k1.")
    assert "hunter2" not in token
    assert box.open_text(token) == "hunter2"
    # a fresh nonce every time: equal secrets do not give equal ciphertexts
    assert box.seal("hunter2") != token


def test_json_values() -> None:
    box = SecretBox([K1])
    token = box.seal_json({"refresh_token": "1//r", "access_token": "ya29.a"})
    assert box.open_json(token) == {"refresh_token": "1//r", "access_token": "ya29.a"}


def test_rotation_new_key_seals_old_key_still_opens() -> None:
    old = SecretBox([K1]).seal("secret")
    rotated = SecretBox([K2, K1])
    assert rotated.open_text(old) == "secret"
    assert rotated.needs_reseal(old)
    fresh = rotated.seal("secret")
    assert fresh.startswith("v1.k2.") and not rotated.needs_reseal(fresh)
    # once the old key is dropped, old values say which key they need
    with pytest.raises(SecretBoxError, match="key id 'k1'"):
        SecretBox([K2]).open(old)


def test_aad_binds_value_to_its_row() -> None:
    box = SecretBox([K1])
    token = box.seal("pw", aad="cal_a")
    assert box.open_text(token, aad="cal_a") == "pw"
    with pytest.raises(SecretBoxError):
        box.open(token, aad="cal_b")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # flipped ciphertext
        lambda t: "v2" + t[2:],  # unknown version
        lambda t: "v1.k1",  # truncated
        lambda t: "v1.k1.!!!",  # not base64
        lambda t: "v1.k1." + base64.urlsafe_b64encode(b"short").decode(),
        lambda t: "plaintext-password",
    ],
)
def test_tampered_or_malformed_values_are_refused(mangle: object) -> None:
    box = SecretBox([K1])
    token = box.seal("secret")
    with pytest.raises(SecretBoxError):
        box.open(mangle(token))  # type: ignore[operator]


def test_from_settings_uses_the_configured_keyring() -> None:
    key = base64.urlsafe_b64encode(b"\x03" * 32).decode()
    settings = Settings(secret_key=f"new:{key},old:{key}", _env_file=None)  # type: ignore[call-arg]
    box = SecretBox.from_settings(settings)
    assert box.active_kid == "new"
    assert box.seal("x").startswith("v1.new.")


def test_bad_keyring_is_refused() -> None:
    with pytest.raises(ValueError):
        SecretBox([])
    with pytest.raises(ValueError):
        SecretBox([("k1", b"short")])
    with pytest.raises(ValueError):
        SecretBox([("a.b", b"\x01" * 32)])
