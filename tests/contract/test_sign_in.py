"""Signing in without a password: the link by e-mail, the session cookie, signing out, and the CSRF guard.

Every test runs against each host (see conftest.HOSTS).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from contract_data import (
    SESSION,
    SIGN_IN_SUBJECT,
    SIGNED_IN,
    add_organization,
    ask_sign_in,
    later,
    link_query,
    mail_to,
    open_ticket,
    sign_in,
    sign_in_link,
    sign_in_links,
    ticket_body,
)
from hosts import browser

from tickets.errors import RateLimited

ANA = "ana@cliente.com.br"


@pytest.fixture
def cliente(host: Any) -> Any:
    """A host where the company `cliente` owns its domain and lists one partner by name."""
    add_organization(host, "cliente", "Cliente S.A.", domains=("cliente.com.br",), members=("carla@parceiro.com.br",))
    add_organization(host, "outra", "Outra Ltda.", domains=("outra.com.br",))
    return host


def verify(person: Any, token: str) -> Any:
    return person.request("POST", "/api/auth/verify", {"token": token})


# Asking for a link


def test_login_answers_alike_for_known_and_unknown_people_and_mails_each_a_link(host: Any) -> None:
    assert open_ticket(host).status == 201  # Ana is known: she opened a ticket
    known = host.request("POST", "/api/auth/login", {"email": ANA})
    unknown = host.request("POST", "/api/auth/login", {"email": "ninguem@desconhecido.com.br"})
    assert (known.status, known.json) == (202, {"status": "accepted"})
    assert (unknown.status, unknown.text) == (known.status, known.text)

    for person in (ANA, "ninguem@desconhecido.com.br"):
        mail = [m for m in mail_to(host, person) if m["Subject"] == SIGN_IN_SUBJECT]
        assert len(mail) == 1, person
        link = sign_in_link(host, mail[0])
        # The site's page, where the person presses a button: a scanner following the link burns nothing.
        assert link.startswith("http://help.example.com/entrar/?token=")
        assert len(link_query(link)["token"]) >= 20


@pytest.mark.parametrize("email", ["não-é-email", "ana@", "", "ana cliente.com.br"])
def test_a_malformed_email_is_a_422_and_nothing_is_sent(host: Any, email: str) -> None:
    reply = host.request("POST", "/api/auth/login", {"email": email})
    assert (reply.status, reply.error["code"]) == (422, "validation_error"), reply.text
    assert "email" in reply.error["fields"]
    assert host.sent_mail() == []


def test_login_without_an_email_is_a_422(host: Any) -> None:
    reply = host.request("POST", "/api/auth/login", {})
    assert reply.status == 422 and "email" in reply.error["fields"], reply.text


def test_the_page_that_asked_rides_along_in_the_link(host: Any) -> None:
    link = ask_sign_in(host, ANA, next_path="/chamados/?escopo=organizacao")
    assert link_query(link)["next"] == "/chamados/?escopo=organizacao"
    assert "next=" + quote("/chamados/?escopo=organizacao", safe="") in link


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/chamados/", "javascript:alert(1)"])
def test_a_next_that_leaves_the_site_never_reaches_the_link(host: Any, elsewhere: str) -> None:
    reply = host.request("POST", "/api/auth/login", {"email": ANA, "next": elsewhere})
    if reply.status == 422:
        assert "next" in reply.error["fields"]
        return
    assert reply.status == 202, reply.text
    (mail,) = mail_to(host, ANA)
    link = sign_in_link(host, mail)
    assert "evil.example" not in link and "javascript" not in link
    kept = link_query(link).get("next")
    assert kept is None or (kept.startswith("/") and not kept.startswith("//"))


def test_too_many_links_for_one_email_are_refused_for_a_while(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"login": (2, 3600), "login_ip": (100, 3600)})
    replies = [host.request("POST", "/api/auth/login", {"email": ANA}) for _ in range(3)]
    assert [r.status for r in replies] == [202, 202, 429]
    assert replies[2].error["code"] == "rate_limited"
    assert 0 < int(replies[2].headers["retry-after"]) <= 2 * 3600
    assert len(mail_to(host, ANA)) == 2
    assert host.request("POST", "/api/auth/login", {"email": "bia@cliente.com.br"}).status == 202
    assert host.request("POST", "/api/auth/login", {"email": ANA.replace("@", "+outra@")}).status == 429  # same mailbox


def test_too_many_links_from_one_address_are_refused_for_a_while(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"login": (100, 3600), "login_ip": (3, 3600)})
    people = ["ana", "bia", "caio", "dani"]
    statuses = [host.request("POST", "/api/auth/login", {"email": f"{p}@cliente.com.br"}).status for p in people]
    assert statuses == [202, 202, 202, 429]
    assert mail_to(host, "dani@cliente.com.br") == []


# Opening the link


def test_the_link_signs_in_with_an_httponly_session_cookie(cliente: Any) -> None:
    host = cliente
    token = link_query(ask_sign_in(host, ANA))["token"]
    person = browser(host)
    reply = verify(person, token)
    assert (reply.status, reply.json) == (200, {"email": ANA, "organization": "cliente"}), reply.text

    session = reply.set_cookie(SESSION)
    assert session is not None and len(session.value) >= 20 and token not in session.value
    assert session["httponly"]
    assert session["samesite"].lower() == "lax"
    assert session["path"] == "/api"
    assert session["max-age"] == "43200"
    assert not session["secure"]  # the site is served over http here

    signed_in = reply.set_cookie(SIGNED_IN)
    assert signed_in is not None and signed_in.value == "1"
    assert not signed_in["httponly"]  # the static pages read it to show "Sair"
    assert signed_in["samesite"].lower() == "lax"
    assert signed_in["path"] == "/"
    assert signed_in["max-age"] == "43200"

    me = person.request("GET", "/api/me")
    assert (me.status, me.json) == (200, {"email": ANA, "organization": "cliente"})


def test_over_https_the_session_cookie_is_secure(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, site_url="https://help.example.com")
    link = ask_sign_in(host, ANA)
    assert link.startswith("https://help.example.com/entrar/?token=")
    reply = verify(browser(host), link_query(link)["token"])
    assert reply.status == 200, reply.text
    assert reply.set_cookie(SESSION)["secure"]


@pytest.mark.parametrize(
    ("email", "organization"),
    [
        (ANA, "cliente"),  # by the domain
        ("carla@parceiro.com.br", "cliente"),  # listed by name
        ("duda@outra.com.br", "outra"),
        ("eva@gmail.com", None),  # public mail: no company
        ("ze@semempresa.com.br", None),
    ],
)
def test_a_person_belongs_to_the_organization_that_lists_them_else_to_their_domains(
    cliente: Any, email: str, organization: str | None
) -> None:
    me = sign_in(cliente, email).request("GET", "/api/me")
    assert (me.status, me.json) == (200, {"email": email, "organization": organization})


def test_membership_by_name_wins_over_the_domain(cliente: Any) -> None:
    cliente.desk.store.add_member("cliente", "fabio@outra.com.br")
    me = sign_in(cliente, "fabio@outra.com.br").request("GET", "/api/me")
    assert me.json == {"email": "fabio@outra.com.br", "organization": "cliente"}


def test_an_email_typed_in_capitals_is_the_same_person(cliente: Any) -> None:
    token = link_query(ask_sign_in(cliente, "ANA@Cliente.COM.BR"))["token"]
    reply = verify(browser(cliente), token)
    assert reply.json == {"email": ANA, "organization": "cliente"}


def test_a_link_works_once(host: Any) -> None:
    token = link_query(ask_sign_in(host, ANA))["token"]
    first, second = browser(host), browser(host)
    assert verify(first, token).status == 200
    again = verify(second, token)
    assert (again.status, again.error["code"]) == (401, "unauthenticated")
    assert again.set_cookie(SESSION) is None
    assert second.request("GET", "/api/me").status == 401
    assert first.request("GET", "/api/me").status == 200  # the first sign-in still stands


def test_a_link_expires_after_15_minutes(host: Any) -> None:
    stale = link_query(ask_sign_in(host, ANA))["token"]
    fresh = link_query(ask_sign_in(host, ANA))["token"]
    later(host, minutes=14)
    assert verify(browser(host), fresh).status == 200
    later(host, minutes=16)
    reply = verify(browser(host), stale)
    assert (reply.status, reply.error["code"]) == (401, "unauthenticated")
    assert reply.set_cookie(SESSION) is None


def test_forged_and_altered_tokens_are_refused(host: Any) -> None:
    token = link_query(ask_sign_in(host, ANA))["token"]
    altered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    for forged in ("forjado", altered, token + "x", token.upper() if token.upper() != token else token.lower()):
        reply = verify(browser(host), forged)
        assert (reply.status, reply.error["code"]) == (401, "unauthenticated"), forged
        assert reply.set_cookie(SESSION) is None
    assert verify(browser(host), token).status == 200  # failed attempts did not burn the real one


def test_a_token_from_another_deployment_is_refused(host: Any, make_host: Any) -> None:
    other = make_host("local")  # same signing secret, another store: tokens are looked up, not trusted
    token = link_query(ask_sign_in(other, ANA))["token"]
    reply = verify(browser(host), token)
    assert (reply.status, reply.error["code"]) == (401, "unauthenticated")


def test_a_session_lasts_12_hours(host: Any) -> None:
    person = sign_in(host, ANA)
    later(host, hours=11, minutes=59)
    assert person.request("GET", "/api/me").status == 200
    later(host, hours=12, minutes=1)
    reply = person.request("GET", "/api/me")
    assert (reply.status, reply.error["code"]) == (401, "unauthenticated")


def test_me_without_a_session_or_with_a_forged_one_is_401(host: Any) -> None:
    for cookies in (None, {SESSION: "forjado"}, {SESSION: ""}, {SIGNED_IN: "1"}):
        reply = host.request("GET", "/api/me", cookies=cookies)
        assert (reply.status, reply.error["code"]) == (401, "unauthenticated"), cookies


# Signing out


def test_logout_clears_both_cookies_and_ends_the_session(host: Any) -> None:
    person = sign_in(host, ANA)
    old = person.cookie(SESSION)
    reply = person.request("POST", "/api/auth/logout")
    assert reply.status == 204, reply.text
    for name in (SESSION, SIGNED_IN):  # each one set again, and the browser (http.cookiejar's rules) drops it
        assert reply.set_cookie(name) is not None and person.cookie(name) is None, name
    assert reply.set_cookie(SESSION)["path"] == "/api"  # the same cookie, or the browser keeps it
    assert reply.set_cookie(SIGNED_IN)["path"] == "/"
    assert not person.session.cookies
    assert person.request("GET", "/api/me").status == 401
    # A copy of the old cookie is worth nothing: the session ended on the server, not just in the browser.
    replayed = host.request("GET", "/api/me", cookies={SESSION: old})
    assert (replayed.status, replayed.error["code"]) == (401, "unauthenticated")


def test_signing_out_in_one_browser_leaves_the_others_signed_in(host: Any) -> None:
    laptop, phone = sign_in(host, ANA), sign_in(host, ANA)
    assert laptop.request("POST", "/api/auth/logout").status == 204
    assert phone.request("GET", "/api/me").status == 200


# The CSRF guard


def test_logout_without_the_sites_header_is_refused(host: Any) -> None:
    person = sign_in(host, ANA)
    reply = person.request("POST", "/api/auth/logout", csrf=False)
    assert (reply.status, reply.error["code"]) == (403, "forbidden")
    assert person.request("GET", "/api/me").status == 200


@pytest.mark.parametrize("header", [None, "XMLHttpRequest", "kbdesk-x"])
def test_a_ticket_sent_with_the_cookie_but_not_by_the_site_is_refused(host: Any, header: str | None) -> None:
    person = sign_in(host, ANA)
    headers = {"X-Requested-With": header} if header else {}
    reply = person.request("POST", "/api/tickets", ticket_body(), headers=headers, csrf=False)
    assert (reply.status, reply.error["code"]) == (403, "forbidden"), reply.text
    assert host.desk.store.get_ticket("PC-1001") is None
    assert [m["Subject"] for m in host.sent_mail()] == [SIGN_IN_SUBJECT]


def test_a_signed_in_person_opens_tickets_as_themselves(host: Any) -> None:
    person = sign_in(host, "bia@cliente.com.br")
    without = person.request("POST", "/api/tickets", ticket_body(email=None, name="Bia"))
    assert without.status == 201, without.text
    assert without.json["requester"]["email"] == "bia@cliente.com.br"
    other = person.request("POST", "/api/tickets", ticket_body(email=ANA))
    assert other.status == 201, other.text
    assert other.json["requester"]["email"] == "bia@cliente.com.br"  # the session's, never the body's
    assert mail_to(host, ANA) == []


def test_the_form_without_a_session_needs_no_header(host: Any) -> None:
    assert open_ticket(host).status == 201


# The new ticket's e-mail signs its requester in


def test_the_confirmation_email_signs_the_requester_into_the_ticket(cliente: Any) -> None:
    host = cliente
    ticket = open_ticket(host).json
    (copy,) = [m for m in mail_to(host, ANA) if m["Subject"].startswith(f"[{ticket['number']}]")]
    link = sign_in_link(host, copy)
    page = "/chamados/chamado/?numero=PC-1001"
    assert link_query(link)["next"] == page
    assert "next=" + quote(page, safe="") in link

    (notice,) = mail_to(host, "suporte@example.com")
    assert sign_in_links(host, notice) == []  # support's copy must never sign anyone in as the customer

    person = browser(host)
    signed = verify(person, link_query(link)["token"])
    assert (signed.status, signed.json) == (200, {"email": ANA, "organization": "cliente"})
    shown = person.request("GET", "/api/tickets/PC-1001")
    assert (shown.status, shown.json["number"]) == (200, "PC-1001")


def test_asking_for_links_to_someone_elses_address_never_locks_them_out(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"login": (5, 3600), "login_ip": (100, 3600), "login_mailbox": (8, 3600)})
    attacker, owner = "198.51.100.66", "203.0.113.10"
    for _ in range(5):
        host.desk.request_sign_in(ANA, None, attacker)
    with pytest.raises(RateLimited):
        host.desk.request_sign_in(ANA, None, attacker)
    host.desk.request_sign_in(ANA, None, owner)  # the owner still gets a link
    for _ in range(2):
        host.desk.request_sign_in(ANA, None, f"192.0.2.{_}")
    with pytest.raises(RateLimited):  # but no one fills the inbox from many addresses
        host.desk.request_sign_in(ANA, None, "192.0.2.200")
    assert len(mail_to(host, ANA)) == 8


def test_guessing_sign_in_tokens_is_slowed_down(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"verify_ip": (2, 3600)})
    replies = [host.request("POST", "/api/auth/verify", {"token": f"palpite-{i}"}) for i in range(3)]
    assert [r.status for r in replies] == [401, 401, 429]
    assert replies[2].error["code"] == "rate_limited" and int(replies[2].headers["retry-after"]) > 0
