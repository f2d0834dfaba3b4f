"""``validation.check_email``'s shortcut for the common address (a plain ASCII local part, a
lowercase ASCII domain, answered from the domain's verdict) gives exactly what the full check
gives: the same normal form, or the same refusal."""

from __future__ import annotations

from astrocal_server import validation
from hypothesis import given, settings
from hypothesis import strategies as st

_ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
_DOMAIN = "abcxyz019-"


def _outcome(check: object, value: str) -> str:
    try:
        return "ok " + check(value)  # type: ignore[operator]
    except ValueError as exc:
        return "refused " + str(exc)


_local = st.lists(st.text(_ATEXT, min_size=1, max_size=30), min_size=1, max_size=4).map(".".join)
_label = st.text(_DOMAIN, min_size=1, max_size=70)
_domain = st.lists(_label, min_size=1, max_size=5).map(".".join)
_tld = st.sampled_from(["com", "org", "test", "localhost", "io", "123", "c", "invalid", "arpa"])
_simple = st.builds(lambda local, domain, tld: f"{local}@{domain}.{tld}", _local, _domain, _tld)
_any = st.text(_ATEXT + _DOMAIN + '.@ <>"éÉ[]()\\', max_size=80)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_simple, _any, st.sampled_from(["Postmaster@example.com", "a" * 65 + "@x.com"])))
def test_the_shortcut_answers_as_the_full_check(value: str) -> None:
    assert _outcome(validation.check_email, value) == _outcome(validation._checked_email, value)


def test_a_common_address_is_answered_without_the_full_check() -> None:
    validation.check_email("first@example.org")  # the domain's verdict, once
    calls: list[str] = []
    real = validation._EMAIL.validate_python

    class Counting:
        def validate_python(self, value: str) -> str:
            calls.append(value)
            return real(value)

    full, validation._EMAIL = validation._EMAIL, Counting()  # type: ignore[assignment]
    try:
        assert validation.check_email("second.one+tag@example.org") == "second.one+tag@example.org"
        assert validation.check_email("Third@EXAMPLE.org") == "Third@example.org"
    finally:
        validation._EMAIL = full
    assert calls == ["Third@EXAMPLE.org"]
