"""Display names in address headers: whatever a person typed as their name, each of From, To and
Reply-To parses back as exactly one address, the one we meant, once the message is serialised the
way the SMTP backend sends it (``policy.SMTP``, or ``policy.SMTPUTF8`` for a relay offering it).

Python's folding of a long quoted display name drops the quotes (``"Jo Smith, please reply to
jo@attacker.example …" <jo@…>`` came out as two addresses), so this checks by round trip.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from email.policy import Policy
from typing import Any

import pytest
from astrocal_server.notify.message import compose
from astrocal_server.notify.notice import parse_notice
from astrocal_server.notify.text import one_line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.emails import CHANGED_AT, MakePayload

INVITEE = "jo@invitee.example"
HOST = "ann@host.example"
LONG_ADDRESS = "j" * 64 + "@" + "d" * 60 + ".invitee.example"

HOSTILE_NAMES = [
    "Jo Smith, please reply to jo@attacker.example as my main address is no longer read, thanks",
    'Jo "the boss" Smith, <boss@attacker.example>; Eve <eve@attacker.example>',
    'A "q" <b@c> , d@e;' * 10,
    "Jo\r\nBcc: victim@evil.example\r\nX-Injected: yes",
    "Jo\0Smith\0,\0x@y",
    "Zoë 😀 Smith, 𝔍𝔬 <x@y> " * 20,
    "x" * 600,
    "\\" * 100 + '"' * 100,
    "=?utf-8?q?eve=40attacker.example?= <eve@attacker.example>",
    "(comment) Jo <x@y> (another",
    "\u202eevil\u202c, x@y",
    "@" * 300,
    ",",
    " \r\n ",
]
POLICIES = [email.policy.SMTP, email.policy.SMTPUTF8]


def _headers(payload: dict[str, Any], policy: Policy) -> dict[str, EmailMessage]:
    messages = compose(
        parse_notice(payload),
        sender='"Astrocal, the <scheduler>" <no-reply@astrocal.test>',
        stamp=CHANGED_AT,
        message_key="ob_names",
    )
    return {
        role: email.message_from_bytes(m.as_bytes(policy=policy), policy=email.policy.default)
        for role, m in messages
    }


def _only_address(message: EmailMessage, header: str) -> Any:
    values = message.get_all(header)
    assert values is not None and len(values) == 1, f"{header}: {values!r}"
    addresses = values[0].addresses
    assert len(addresses) == 1, f"{header} parses as {[a.addr_spec for a in addresses]}"
    return addresses[0]


def _squash(text: str) -> str:
    # Python's parser puts a space between adjacent encoded words (RFC 2047 says to drop it),
    # so names are compared with whitespace removed.
    return "".join(text.split())


def _check(make_payload: MakePayload, name: str, email_address: str, policy: Policy) -> None:
    payload = make_payload(invitee={"name": name, "email": email_address, "time_zone": "UTC"})
    payload["host"]["name"] = name
    messages = _headers(payload, policy)
    for role, message in messages.items():
        me, other = (email_address, HOST) if role == "invitee" else (HOST, email_address)
        to = _only_address(message, "To")
        reply_to = _only_address(message, "Reply-To")
        sender = _only_address(message, "From")
        assert to.addr_spec == me and reply_to.addr_spec == other
        assert sender.addr_spec == "no-reply@astrocal.test"
        assert sender.display_name == "Astrocal, the <scheduler>"
        for address in (to, reply_to):
            # The name survives (flattened to one line), unless the address alone fills the line.
            if address.addr_spec != LONG_ADDRESS:
                assert _squash(address.display_name) == _squash(one_line(name))
        raw = message.as_bytes()
        header_block = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n")[0]
        assert not any(
            line.lower().startswith((b"bcc:", b"x-injected:")) for line in header_block.splitlines()
        )
        assert all(len(line) <= 998 for line in header_block.splitlines())


@pytest.mark.parametrize("policy", POLICIES, ids=["smtp", "smtputf8"])
@pytest.mark.parametrize("address", [INVITEE, LONG_ADDRESS], ids=["short", "long-address"])
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_every_name_yields_one_address_per_header(
    make_payload: MakePayload, name: str, address: str, policy: Policy
) -> None:
    _check(make_payload, name, address, policy)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(min_size=1, max_size=700))
def test_any_text_as_a_name_yields_one_address_per_header(
    make_payload: MakePayload, name: str
) -> None:
    for policy in POLICIES:
        _check(make_payload, name, INVITEE, policy)
