"""Checks that span articles: duplicate slugs and links that lead nowhere.

The site's pages share one address space: `docs/` as it is, and each product
folder of `kb/` under its id. A relative link is resolved in that space, the
way MkDocs resolves it, so a link that passes here works on the site.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .content import KnowledgeBase, Problem, load_knowledge_base
from .strings import say

# [text](target "title") and ![alt](target), and reference definitions [id]: target
INLINE_LINK = re.compile(r"(!?)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
FENCE = re.compile(r"^\s*(```|~~~)")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"})


def lint(kb_dir: Path, docs_dir: Path | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """The knowledge base as far as it reads, and every problem in it by file and line."""
    kb, problems = load_knowledge_base(kb_dir)
    problems += duplicate_slugs(kb)
    problems += broken_links(kb, site_paths(kb, docs_dir))
    return kb, sorted(set(problems))


def site_paths(kb: KnowledgeBase, docs_dir: Path | None) -> set[str]:
    """Every file the site will have, as paths relative to the site's root."""
    paths: set[str] = set()
    if docs_dir and docs_dir.is_dir():
        paths |= {p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*") if p.is_file()}
    for product in kb.products:
        folder = kb.root / product
        paths |= {f"{product}/{p.relative_to(folder).as_posix()}" for p in folder.rglob("*") if p.is_file()}
        paths.add(f"{product}/index.md")
    return paths


def duplicate_slugs(kb: KnowledgeBase) -> list[Problem]:
    """Two articles of one product with one slug: ambiguous to writers and `kbdesk new`."""
    seen: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for article in kb.articles:
        seen[(article.product, article.slug)].append(article.source)
    problems = []
    for (_, slug), sources in seen.items():
        for source in sources[1:]:
            first = _shown(sources[0], kb.root)
            problems.append(Problem(_shown(source, kb.root), 1, say("lint_duplicate_slug", slug=slug, first=first)))
    return problems


def broken_links(kb: KnowledgeBase, paths: set[str]) -> list[Problem]:
    problems = []
    for article in kb.articles:
        for line, target, is_image in links_in(article.body, article.body_line):
            missing = _missing_target(article.src_uri, target, paths)
            if missing:
                image = is_image or Path(missing).suffix.lower() in IMAGE_SUFFIXES
                message = say("lint_missing_image" if image else "lint_missing_page", target=target)
                problems.append(Problem(_shown(article.source, kb.root), line, message))
    return problems


def links_in(markdown: str, first_line: int) -> Iterator[tuple[int, str, bool]]:
    """(line, target, is image) for each link outside code.

    Indented lines are not taken for code: in articles they are the bodies of
    admonitions and list items far more often.
    """
    in_fence = False
    for offset, text in enumerate(markdown.splitlines()):
        if FENCE.match(text):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        text = re.sub(r"`[^`]*`", "", text)
        for match in INLINE_LINK.finditer(text):
            yield first_line + offset, match.group(2), match.group(1) == "!"
        reference = REFERENCE_LINK.match(text)
        if reference:
            yield first_line + offset, reference.group(1), False


def _missing_target(src_uri: str, target: str, paths: set[str]) -> str | None:
    """The resolved path when `target` points at a site file that does not exist."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        resolved = path.lstrip("/")
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), path))
    if resolved.startswith("../"):
        return resolved
    candidates: Iterable[str] = (resolved,)
    if resolved.endswith("/") or not posixpath.splitext(resolved)[1]:
        base = resolved.rstrip("/")
        candidates = (f"{base}.md", f"{base}/index.md", base)
    return None if any(c in paths for c in candidates) else resolved


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root.parent).as_posix()
