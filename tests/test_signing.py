"""The one signer: a token comes back only as what it was made for, unchanged, from this server."""

from __future__ import annotations

import pytest

from tickets import signing

SECRET = b"segredo-da-implantacao"


def test_a_token_holds_its_value_for_its_purpose_only() -> None:
    token = signing.sign(SECRET, "list-cursor", {"before": 1042, "for": "ana"})
    assert signing.unsign(SECRET, "list-cursor", token) == {"before": 1042, "for": "ana"}
    with pytest.raises(signing.Forged):
        signing.unsign(SECRET, "upload-policy", token)  # the same secret, another purpose
    with pytest.raises(signing.Forged):
        signing.unsign(b"outro-segredo", "list-cursor", token)
    payload, _, signature = token.rpartition(".")
    for forged in (payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + signature, token + "x", "", "nada"):
        with pytest.raises(signing.Forged):
            signing.unsign(SECRET, "list-cursor", forged)


def test_a_tag_is_the_servers_own_for_one_value_and_purpose() -> None:
    made = signing.tag(SECRET, "reply-address", "pc-1001")
    assert len(made) == 10 and made.isalnum() and made == made.lower()
    assert signing.has_tag(SECRET, "reply-address", "pc-1001", made)
    assert signing.has_tag(SECRET, "reply-address", "pc-1001", made.upper())  # mail software may change case
    assert not signing.has_tag(SECRET, "reply-address", "pc-1002", made)
    assert not signing.has_tag(SECRET, "message-id", "pc-1001", made)
    assert not signing.has_tag(b"outro-segredo", "reply-address", "pc-1001", made)
    assert not signing.has_tag(SECRET, "reply-address", "pc-1001", "")
