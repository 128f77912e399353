"""Organizations: which customers see each other's tickets.

A company is given by its support team: an id, a name, the e-mail domains it
owns and members listed one by one. Public mail domains never make an
organization: two strangers on the same free mail provider must not see each
other's tickets.
"""

from __future__ import annotations

import re

PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.com.br",
        "outlook.com",
        "outlook.com.br",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.com.br",
        "ymail.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "zoho.com",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
        "ig.com.br",
        "globo.com",
        "globomail.com",
        "r7.com",
        "zipmail.com.br",
    }
)

ORGANIZATION_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class OrganizationError(ValueError):
    """What the support team asked for cannot be done: `key` names the text that says why (tickets.texts)."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key, values)
        self.key = key
        self.values = values


def check_id(organization_id: str) -> str:
    if not ORGANIZATION_ID.match(organization_id):
        raise OrganizationError("org.bad_id", id=organization_id)
    return organization_id


def check_domain(domain: str) -> str:
    domain = domain.strip().lower().lstrip("@")
    if not DOMAIN.match(domain):
        raise OrganizationError("org.bad_domain", domain=domain)
    if domain in PUBLIC_DOMAINS:
        raise OrganizationError("org.public_domain", domain=domain)
    return domain
