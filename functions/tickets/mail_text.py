"""What a person wrote in an e-mail reply, without the history it quotes or a signature.

A reply by e-mail becomes a ticket comment. The ticket already holds every earlier message, so
the quoted history would only repeat them in every comment and bury the new text. Mail clients
mark the history in a few ways, in the reader's language: a header line ("Em <data>, <nome>
escreveu:", "On <date>, <name> wrote:"), an Outlook header block ("De:/Enviado:/Para:/Assunto:",
"From:/Sent:/To:/Subject:"), a separator ("-----Original Message-----"), and ">" before each
quoted line. Our own mail begins with a marker line ("##- Responda acima desta linha -##"), the
surest sign of all. mail-parser-reply knows the English headers; the Portuguese ones are added
here, beside the library's patterns rather than into its table, so importing this module changes
nothing for anyone else using the library.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from email.message import EmailMessage

# The two libraries are imported where they are first needed: the function's cold start is measured,
# and most of its requests never read mail.


@functools.cache
def _header() -> re.Pattern[str]:
    """Where quoted history starts: the library's header patterns, as it compiles them for English
    ("On <date>, <name> wrote:" on one line or two, the From/Sent/To/Subject block, "-----Original
    Message-----"), and the Portuguese ones."""
    from mailparser_reply import EmailReplyParser  # type: ignore[import-untyped]
    from mailparser_reply.constants import QUOTED_MATCH_INCLUDE as quoted  # type: ignore[import-untyped]

    portuguese = (
        # Gmail, Apple Mail, Thunderbird, Yahoo: "Em <data>, <nome> escreveu:", wrapped at most once.
        # A date always has a digit; requiring one keeps a sentence such as "Em resposta ao que você
        # escreveu:" the person's own.
        rf"^{quoted}Em\s(?=.*\d).+?(?:\n.+?)?\s?escreveu:$",
        # Outlook's header block, two lines or more. Portuguese clients mix in English names (Gmail's
        # forwarded header is "De:" then "Date:", "Subject:", "To:"), so both languages' names count.
        rf"(?:^{quoted}[* ]*(?:De|Enviad[oa](?: em)?|Para|Assunto|Data|Cc|Cco|From|Sent|To|Subject|Date):.*\n?){{2,}}",
        rf"^{quoted}-{{5,}} ?Mensagem original ?-{{5,}}$",
    )
    library: str = EmailReplyParser(languages=["en"]).read("").HEADER_REGEX.pattern
    return re.compile("|".join((library, *portuguese)), re.MULTILINE | re.IGNORECASE)


# What a client leaves at the end of the person's text, above the history: a rule line (Outlook's
# underscores, html2text's "* * *" for <hr>) or one with a caption ("---------- Forwarded message
# ---------"), and the line a phone or mail app adds ("Enviado do meu iPhone", "Sent from Yahoo Mail on
# Android", "Get Outlook for iOS"). Only trailing ones count: in the middle of the text such a line
# is the person's own sentence. The library's signature rules are not used: they take "Thanks," or a
# "- item" list line for a signature's start and drop all after it, often what the person came to say.
_TRAILER = re.compile(
    r"[-_*= ]*|-{3,}[^-]{1,40}-{3,}"
    r"|(?:Sent|Enviad[oa]) (?:from|with|via|d[eoa]|com|pel[oa]) .{1,60}|(?:Get|Obter o|Baixe o) Outlook\b.{0,60}",
    re.IGNORECASE,
)
# Bounds on the work, as a message may be 40 MB: the header patterns take time that grows with the
# square of a line's length, and html2text reads about a megabyte a second. A comment holds 20,000
# characters and a header line is short (a name, an address, a date), so no more than this is read.
_LONGEST_HTML = 2_000_000
_LONGEST_TEXT = 100_000
_LONGEST_HEADER_LINE = 300
_BLANK_LINES = re.compile(r"\n{3,}")
# html2text writes Markdown and so escapes what would read as Markdown ("1\." at a line's start);
# a comment is plain text, where the backslashes would show.
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")


def message_text(message: EmailMessage) -> str:
    """The message's text: the text/plain body preferred, else the HTML body as text; '' without a body.

    Never raises on a charset: one Python does not know is read as utf-8, a wrong one gives
    replacement characters where its bytes do not fit."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        text: str = body.get_content()
    except (LookupError, UnicodeError):  # a charset Python does not know: utf-8 is the likeliest truth
        payload = body.get_payload(decode=True)
        text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if body.get_content_subtype() == "html":
        return _html_as_text(text)
    if str(body.get_param("format", "")).lower() == "flowed":
        return _unflowed(text, delsp=str(body.get_param("delsp", "")).lower() == "yes")
    return text


def written_part(text: str, markers: Sequence[str]) -> str:
    """What the person wrote: not the history quoted below it, nor their signature.

    History starts at a marker line of ours, at a quote header, or at a separator; a header, and
    a marker's own header line above it, that only introduce ">" lines go with them, so answers
    written between the quoted lines stay. If nothing is left (the person wrote only below the
    history), the text without its ">" lines is returned: never '' for a text that has words.
    """
    lines = _tidy(text[:_LONGEST_TEXT]).split("\n")
    quoted = [line.lstrip().startswith(">") for line in lines]
    cut, dropped = _history(lines, quoted, markers)
    kept = [line for i, line in enumerate(lines[:cut]) if not quoted[i] and i not in dropped]
    kept = kept[: next((i for i, line in enumerate(kept) if line.strip() == "--"), len(kept))]  # "-- " opens a signature
    while kept and _TRAILER.fullmatch(kept[-1].strip()):
        kept.pop()
    return _joined(kept) or _joined([line for q, line in zip(quoted, lines, strict=True) if not q]) or _joined(lines)


def _history(lines: list[str], quoted: list[bool], markers: Sequence[str]) -> tuple[int, set[int]]:
    """The line the quoted history starts at (len(lines) if none), and the header lines to drop
    because they only introduce ">"-quoted lines."""
    text = "\n".join(line if len(line) <= _LONGEST_HEADER_LINE else "" for line in lines)
    cut, dropped = len(lines), set[int]()
    for match in _header().finditer(text):
        first = text.count("\n", 0, match.start() + len(match.group()) - len(match.group().lstrip("\n")))
        last = text.count("\n", 0, max(match.start(), match.end() - 1))
        if first >= cut:
            break
        if quoted[first]:
            continue  # a header inside the quote goes with the quote
        after = next((i for i in range(first + 1, len(lines)) if quoted[i] or (i > last and lines[i])), None)
        if after is not None and quoted[after]:
            dropped.update(range(first, last + 1))
        else:
            cut = first
    for i, line in enumerate(lines[:cut]):
        if any(marker in line for marker in markers):
            # The line just above our marker, ending in ":", introduces it, whatever the language.
            above = next((j for j in range(i - 1, -1, -1) if lines[j]), None)
            header = above if above is not None and not quoted[above] and lines[above].endswith(":") else None
            if not quoted[i]:
                cut = i if header is None else header
                break
            if header is not None:
                dropped.add(header)
    return cut, dropped


def _joined(lines: Sequence[str]) -> str:
    """The lines as text, with one blank line between paragraphs where a removed quote or Outlook's
    spacing left several."""
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _tidy(text: str) -> str:
    """One line ending, no-break spaces as spaces (Outlook writes them on "empty" lines), no
    invisible byte-order marks (iOS puts one before quoted text), no trailing spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").replace("\ufeff", "")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _html_as_text(html: str) -> str:
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = 0  # the person's own line breaks, not html2text's 78 columns
    converter.ignore_images = True  # logos and tracking pixels say nothing
    converter.ignore_emphasis = True  # "**" and "_" around words are noise in a comment
    converter.single_line_break = True  # composers write a block per line, an empty block for a blank one
    # An address shows as itself; "[x@y](mailto:x@y)" says it twice. Other links keep their URL,
    # which is what a reader needs from "click here".
    converter.ignore_mailto_links = True
    return _MARKDOWN_ESCAPE.sub(r"\1", converter.handle(html[:_LONGEST_HTML]))


def _unflowed(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: a line ending in a space goes on in the next line of the same quote
    depth. Thunderbird and Apple Mail wrap long lines so; those breaks are not the person's."""
    out: list[tuple[int, str]] = []
    soft = False
    for line in text.splitlines():
        content = line.lstrip(">")
        depth = len(line) - len(content)
        content = content.removeprefix(" ")  # space-stuffing
        if soft and out[-1][0] == depth:
            out[-1] = (depth, out[-1][1] + content)
        else:
            out.append((depth, content))
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            out[-1] = (depth, out[-1][1][:-1])
    return "\n".join(">" * depth + " " * bool(depth) + content for depth, content in out)
