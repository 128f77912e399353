"""What a reply by e-mail leaves of itself: each fixture reply gives exactly its expected text, and
each rule (marker, quote, signature, HTML, charset, fallback) holds on its own."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from tickets import mail_text
from tickets.texts import LANGUAGES, texts_for

MAIL = Path(__file__).resolve().parent / "mail"
MARKERS = tuple(texts_for(language)("mail.reply_above") for language in LANGUAGES)
REPLIES = sorted((MAIL / "clients").glob("*.eml")) + sorted((MAIL / "held_out").glob("*.eml"))


def _parsed(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _html_message(html: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Re: [PC-1] Teste"
    message.set_content(html, subtype="html")
    return message


@pytest.mark.parametrize("path", REPLIES, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_a_reply_keeps_what_the_person_wrote(path: Path) -> None:
    expected = path.with_suffix(".expected.txt").read_text(encoding="utf-8").removesuffix("\n")
    assert mail_text.written_part(mail_text.message_text(_parsed(path.read_bytes())), MARKERS) == expected


def test_both_sets_are_there() -> None:
    clients, held_out = (sorted((MAIL / folder).glob("*.eml")) for folder in ("clients", "held_out"))
    assert len(clients) >= 12 and len(held_out) >= 6
    assert all(path.with_suffix(".expected.txt").is_file() for path in clients + held_out)


def test_the_markers_are_the_ones_our_mail_begins_with() -> None:
    assert set(MARKERS) == {"##- Responda acima desta linha -##", "##- Reply above this line -##"}


def test_a_marker_cuts_the_rest_and_the_header_line_above_it_in_any_language() -> None:
    text = "Merci, c'est réglé.\n\nLe jeu. 3 déc. 2026 à 10:00, Support <s@acme.com> a écrit :\n\n##- Reply above this line -##\nOur text"
    assert mail_text.written_part(text, MARKERS) == "Merci, c'est réglé."
    quoted = "Merci.\n\nLe jeu. 3 déc. 2026 à 10:00, Support a écrit :\n> ##- Reply above this line -##\n> Our text"
    assert mail_text.written_part(quoted, MARKERS) == "Merci."


def test_quoted_lines_go_and_answers_between_them_stay() -> None:
    text = "Yes.\n> Is it on?\n> > Older quote\nNo, it is off.\n>\n> Bye"
    assert mail_text.written_part(text, MARKERS) == "Yes.\nNo, it is off."


def test_a_header_that_only_introduces_a_quote_goes_and_the_answer_below_stays() -> None:
    text = "On Fri, Jan 15, 2027 at 9:05 PM Help Center <s@acme.com> wrote:\n\n> ##- Reply above this line -##\n> Try again?\n\nIt works now."
    assert mail_text.written_part(text, MARKERS) == "It works now."


def test_a_signature_after_its_separator_goes() -> None:
    text = "Done, thanks.\n\n-- \nAna Lima\nACME Ltda.\n(11) 5555-0100"
    assert mail_text.written_part(text, MARKERS) == "Done, thanks."


def test_a_phone_line_goes_only_at_the_end() -> None:
    text = "Sent from the app, the form fails.\nIt says 500.\n\nSent from my iPhone"
    assert mail_text.written_part(text, MARKERS) == "Sent from the app, the form fails.\nIt says 500."
    assert mail_text.written_part("Pode fechar.\n\nEnviado do meu Android", MARKERS) == "Pode fechar."


def test_sign_offs_and_lists_are_the_persons_own() -> None:
    text = "Hi,\n\nthanks, that fixed it. Two more things:\n- the export\n- the import\n\nBest,\nAna"
    assert mail_text.written_part(text, MARKERS) == text


def test_a_sentence_ending_in_escreveu_is_not_a_header() -> None:
    text = "Oi,\n\nEm resposta ao que você\nescreveu:\n- o erro some ao reiniciar"
    assert mail_text.written_part(text, MARKERS) == text


def test_nothing_above_the_history_keeps_the_text_without_its_quotes() -> None:
    assert mail_text.written_part("> only\n> a quote", MARKERS) == "> only\n> a quote"
    outlook = "From: Ana <a@x.com>\nSent: Friday\nTo: Help <h@acme.com>\nSubject: Hi\n\nMy answer below.\n> quoted"
    assert (
        mail_text.written_part(outlook, MARKERS)
        == "From: Ana <a@x.com>\nSent: Friday\nTo: Help <h@acme.com>\nSubject: Hi\n\nMy answer below."
    )


def test_an_empty_text_stays_empty() -> None:
    assert mail_text.written_part("", MARKERS) == ""
    assert mail_text.written_part(" \r\n\n", MARKERS) == ""


def test_html_only_mail_becomes_text_without_tags() -> None:
    html = (
        "<html><body><div>Bom dia,</div><div><br></div><div>1. Veja <b>isto</b> <a href='https://x.example/a'>aqui</a>;"
        "</div><div>2. fale com <a href='mailto:ana@x.example'>ana@x.example</a>.</div><img src='cid:logo' alt='Logo'>"
        "<hr><b>De:</b> Central &lt;s@acme.com&gt;<br><b>Enviado:</b> sexta<br><b>Para:</b> Ana</body></html>"
    )
    text = mail_text.message_text(_html_message(html))
    assert "<" not in text.replace("<s@acme.com>", "") and "**" not in text and "Logo" not in text
    written = mail_text.written_part(text, MARKERS)
    assert written == "Bom dia,\n\n1. Veja isto [aqui](https://x.example/a);\n2. fale com ana@x.example."


def test_plain_text_is_preferred_to_html() -> None:
    message = EmailMessage()
    message.set_content("Plain words")
    message.add_alternative("<p>HTML words</p>", subtype="html")
    assert mail_text.message_text(message).strip() == "Plain words"


@pytest.mark.parametrize("charset", ["x-no-such-charset", "us-ascii"])
def test_a_wrong_charset_does_not_raise(charset: str) -> None:
    raw = (
        f"From: a@x.example\r\nSubject: oi\r\nContent-Type: text/plain; charset={charset}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nVers\u00e3o nova, obrigado.\r\n"
    ).encode()
    text = mail_text.message_text(_parsed(raw))
    assert text.startswith("Vers") and text.rstrip().endswith("nova, obrigado.")
    if charset == "x-no-such-charset":
        assert "Versão" in text  # an unknown charset is read as utf-8


def test_a_message_without_a_body_has_no_text() -> None:
    message = EmailMessage()
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="a.pdf")
    assert mail_text.message_text(message) == ""


def test_format_flowed_lines_are_joined() -> None:
    raw = (
        b"From: a@x.example\r\nContent-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n\r\n"
        # delsp=yes: the space before a soft break is the client's, not the text's.
        b"one long line that the client wra \r\npped.\r\n-- \r\nAna\r\n> quoted and  \r\n> soft\r\n"
    )
    assert mail_text.message_text(_parsed(raw)).splitlines() == [
        "one long line that the client wrapped.",
        "-- ",
        "Ana",
        "> quoted and soft",
    ]


def test_the_library_is_left_as_it_was() -> None:
    from mailparser_reply.constants import MAIL_LANGUAGES  # type: ignore[import-untyped]

    before = {language: dict(table) for language, table in MAIL_LANGUAGES.items()}
    mail_text.written_part("Oi\n\nEm 03/12/2026 10:00, Ana escreveu:\n> x", MARKERS)
    assert MAIL_LANGUAGES == before and "pt" not in MAIL_LANGUAGES
