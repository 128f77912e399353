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
