"""Object ids (``ids.py``): a known prefix, ``_``, 20 characters of ``a-z0-9``, each uniform and
independent of the others (~103 bits), drawn from the system's random source."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from astrocal_server import ids
from astrocal_server.ids import new_id


def test_an_id_is_its_prefix_and_twenty_base36_characters() -> None:
    made = {new_id("bk") for _ in range(1000)}
    assert len(made) == 1000
    assert all(re.fullmatch(r"bk_[a-z0-9]{20}", one) for one in made)


def test_an_unknown_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown id prefix 'nope'"):
        new_id("nope")


def test_every_character_comes_from_as_many_byte_values_and_the_rest_are_dropped() -> None:
    kept = Counter(chr(ids._CHARACTER[b]) for b in range(256) if bytes([b]) not in ids._DROPPED)
    assert sorted(kept) == sorted("abcdefghijklmnopqrstuvwxyz0123456789")
    assert set(kept.values()) == {7}  # 252 byte values, 7 for each of the 36 characters


def test_dropped_bytes_are_made_up_by_another_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    # 24 bytes of which 8 are dropped: 16 characters, then 4 more from a second draw.
    draws: Iterator[bytes] = iter(
        [bytes([0, 252, 1, 253, 2, 254, 3, 255] * 2 + list(range(26, 34))), bytes(range(36, 60))]
    )
    monkeypatch.setattr(ids.secrets, "token_bytes", lambda n: next(draws))
    assert new_id("bk") == "bk_abcdabcd01234567abcd"
