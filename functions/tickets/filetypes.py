"""The real type of an uploaded file, read from its first bytes.

Browsers and clients declare a type; what the server trusts is what the bytes
are. Formats with a signature are recognised by it (puremagic); plain text and
e-mail messages have none and are recognised as UTF-8 text.
"""

from __future__ import annotations

import puremagic

from .catalog import ALLOWED_TYPES

# Names a customer's computer would run when opened, whatever their bytes: refused outright.
RUNNABLE_EXTENSIONS = {
    **dict.fromkeys((".exe", ".com", ".scr", ".pif", ".cpl", ".dll", ".sys", ".msi", ".msp", ".msc"), "Windows program"),
    **dict.fromkeys((".bat", ".cmd"), "Windows command script"),
    **dict.fromkeys((".ps1", ".psm1", ".psd1"), "PowerShell script"),
    **dict.fromkeys((".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta"), "Windows Script Host script"),
    **dict.fromkeys((".lnk", ".url", ".scf", ".reg", ".inf"), "Windows shortcut or setting that runs or changes things"),
    **dict.fromkeys((".jar", ".class"), "Java program"),
    **dict.fromkeys(
        (".sh", ".bash", ".command", ".app", ".pkg", ".dmg", ".apk", ".deb", ".rpm", ".run", ".bin"),
        "program or installer for macOS, Linux or Android",
    ),
    **dict.fromkeys((".html", ".htm", ".xhtml", ".svg", ".mht", ".mhtml"), "page that runs scripts in a browser"),
}
# The names each allowed type may carry: a file is what its bytes are, and its name must say the same.
EXTENSIONS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jfif", ".jpe"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/bmp": (".bmp",),
    "image/tiff": (".tif", ".tiff"),
    "image/heic": (".heic", ".heif"),
    "video/mp4": (".mp4", ".m4v"),
    "video/quicktime": (".mov", ".qt"),
    "video/webm": (".webm",),
    "video/x-msvideo": (".avi",),
    "application/pdf": (".pdf",),
    "text/plain": (".txt", ".log", ".text", ".json", ".xml", ".ini", ".cfg", ".conf", ".md", ".yaml", ".yml"),
    "text/csv": (".csv", ".txt"),
    "message/rfc822": (".eml",),
    "application/vnd.ms-outlook": (".msg",),
    "application/msword": (".doc", ".dot"),
    "application/vnd.ms-excel": (".xls", ".xlt"),
    "application/vnd.ms-powerpoint": (".ppt", ".pps", ".pot"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/zip": (".zip",),
}
ZIP_BASED = {"application/zip", *(t for t in EXTENSIONS if "openxmlformats" in t or "opendocument" in t)}

EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"#!")
TEXT_TYPES = ("text/plain", "text/csv", "message/rfc822")


def extension(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def refused_name(filename: str) -> str | None:
    """Why a file's name alone is refused (it would run when opened), or None."""
    return RUNNABLE_EXTENSIONS.get(extension(filename))


def real_type(head: bytes, declared: str, filename: str) -> str | None:
    """The allowed type these bytes are, when the file's name says the same; else None."""
    found = _sniffed_type(head, declared)
    if found is None or refused_name(filename):
        return None
    named = extension(filename)
    if not named or named in EXTENSIONS[found]:
        return found
    # Office and OpenDocument files are zips whose first bytes often look alike: the name tells them apart.
    by_name = next((t for t in ZIP_BASED if named in EXTENSIONS[t]), None)
    return by_name if found in ZIP_BASED and by_name else None


def _sniffed_type(head: bytes, declared: str) -> str | None:
    if not head or head.startswith(EXECUTABLE_SIGNATURES):
        return None
    try:
        sniffed = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError):
        sniffed = ""
    if sniffed:
        return sniffed if sniffed in ALLOWED_TYPES else None
    if _is_text(head):
        return declared if declared in TEXT_TYPES else "text/plain"
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The first bytes may cut a character in two at the end.
        return error.start >= len(head) - 3
    return True
