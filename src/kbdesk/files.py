"""The local server's stand-in for S3: receiving posted attachments and serving downloads.

The browser posts `multipart/form-data` exactly as it would to S3: the form
fields first, then the file. The fields are checked before the file's bytes
are read, and the bytes are written as they arrive, never held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from tickets.adapters.local_files import LocalFiles, UploadRefused
from tickets.errors import ApiError, MethodNotAllowed, error_for, render_error

from .gateway import status_line

StartResponse = Callable[..., Any]
FIELD_LIMIT = 8192
CHUNK = 64 * 1024


def receive_upload(files: LocalFiles, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ["REQUEST_METHOD"] != "POST":
        return _answer(start_response, MethodNotAllowed("Use POST.", ["POST"]))
    content_type, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    if content_type != "multipart/form-data" or "boundary" not in options:
        return _error(start_response, 415, "Send the file as multipart/form-data.")
    try:
        stored = _store_posted_file(files, _events(environ, options["boundary"]))
    except UploadRefused as refused:
        return _error(start_response, refused.status, str(refused))
    except MultipartError:
        return _error(start_response, 400, "The form could not be read.")
    if not stored:
        return _error(start_response, 400, "The form has no file.")
    start_response("204 No Content", [("Content-Length", "0")])
    return [b""]


def _store_posted_file(files: LocalFiles, events: Iterator[Any]) -> bool:
    """Collect the fields; at the `file` part, store the file under them. False if there was no file."""
    fields: dict[str, str] = {}
    segment: MultipartSegment | None = None
    value = bytearray()
    for event in events:
        if isinstance(event, MultipartSegment):
            segment, value = event, bytearray()
            if segment.name == "file":
                files.receive(fields, _file_chunks(events))
                return True
        elif event:
            value += event
            if len(value) > FIELD_LIMIT:
                raise UploadRefused(400, "A form field is too long.")
        elif segment is not None:
            fields[segment.name] = value.decode("utf-8", "replace")
            segment = None
    return False


def _events(environ: dict[str, Any], boundary: str) -> Iterator[Any]:
    """The parser's events as the request body streams in."""
    stream = environ["wsgi.input"]
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    with PushMultipartParser(boundary, content_length=remaining, max_header_size=4096, max_segment_count=20) as parser:
        while remaining > 0:
            chunk = stream.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield from parser.parse(chunk)
        yield from parser.parse(b"")


def _file_chunks(events: Iterator[Any]) -> Iterator[bytes]:
    for event in events:
        if event is None:
            return
        if isinstance(event, (bytes, bytearray, memoryview)):
            yield bytes(event)


def serve_download(files: LocalFiles, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    try:
        path, filename = files.open_download(dict(parse_qsl(environ.get("QUERY_STRING", ""))))
    except UploadRefused as refused:
        return _error(start_response, refused.status, str(refused))
    size = path.stat().st_size
    # Attachments are downloaded, never rendered by the browser on this origin.
    disposition = "attachment; filename*=UTF-8''" + quote(filename, safe="")
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/octet-stream"),
            ("Content-Disposition", disposition),
            ("Content-Length", str(size)),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "private, no-store"),
        ],
    )
    return _read(path)


def _read(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def _error(start_response: StartResponse, status: int, message: str) -> list[bytes]:
    return _answer(start_response, error_for(status, message))


def _answer(start_response: StartResponse, error: ApiError) -> list[bytes]:
    answer = render_error(error)
    body = answer.body.encode()
    start_response(status_line(answer.status), [*answer.headers.items(), ("Content-Length", str(len(body)))])
    return [body]
