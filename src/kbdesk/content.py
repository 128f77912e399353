"""The knowledge base as writers keep it: product folders of Markdown articles.

Reading is lenient: every problem found is returned beside what could be read,
with the file and line a writer must fix, so `kbdesk lint` and the site build
report all of them at once instead of stopping at the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from .strings import say

PRODUCT_FILE = "_product.yml"
SYNONYMS_FILE = "_synonyms.yml"
SUMMARY_MAX = 200
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Slugs that would shadow a generated page of the product.
RESERVED_SLUGS = frozenset({"index"})

ArticleType = Literal["manual", "article"]
# Each kind of front-matter error (pydantic's, or this module's own) and the text that tells the writer.
FIELD_PROBLEMS = {
    "missing": "lint_missing_field",
    "extra_forbidden": "lint_unknown_field",
    "literal_error": "lint_article_type",
    "string_too_long": "lint_too_long",
    "string_too_short": "lint_empty",
    "string_type": "lint_text",
    "int_type": "lint_number",
    "int_parsing": "lint_number",
    "text": "lint_text",
    "tags": "lint_tags",
    "date": "lint_date",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing a writer must fix, printed as `path:line: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ProductMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1)
    description: str = ""
    order: int = 0


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    summary: str = Field(min_length=1, max_length=SUMMARY_MAX)
    type: ArticleType
    tags: list[str] = []
    updated: date

    @field_validator("title", "summary", mode="before")
    @classmethod
    def _text_only(cls, value: Any) -> Any:
        # YAML turns `title: 2024` or `title: yes` into numbers and booleans.
        if not isinstance(value, str):
            raise PydanticCustomError("text", "text")
        return value.strip()

    @field_validator("tags", mode="before")
    @classmethod
    def _tags_are_words(cls, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
            raise PydanticCustomError("tags", "tags")
        return [t.strip().lower() for t in value]

    @field_validator("updated", mode="before")
    @classmethod
    def _real_date(cls, value: Any) -> Any:
        # A datetime is a date too in Python; writers should give a plain date.
        if not isinstance(value, date) or hasattr(value, "hour"):
            raise PydanticCustomError("date", "date")
        return value


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str
    order: int


@dataclass(frozen=True)
class Article:
    """An article as the site shows it; `path` is relative to its product folder."""

    product: str
    path: PurePosixPath
    title: str
    summary: str
    type: ArticleType
    tags: tuple[str, ...]
    updated: date
    source: Path
    body: str
    body_line: int

    @property
    def slug(self) -> str:
        return self.path.stem

    @property
    def src_uri(self) -> str:
        """Where the article sits among the site's pages (its URL is derived from it)."""
        return f"{self.product}/{self.path.as_posix()}"

    @property
    def url(self) -> str:
        return f"{self.product}/{self.path.with_suffix('').as_posix()}/"


@dataclass
class KnowledgeBase:
    root: Path
    products: dict[str, Product] = field(default_factory=dict)
    articles: list[Article] = field(default_factory=list)
    synonyms: dict[str, list[str]] = field(default_factory=dict)

    def articles_of(self, product_id: str) -> list[Article]:
        return [a for a in self.articles if a.product == product_id]

    def sorted_products(self) -> list[Product]:
        return sorted(self.products.values(), key=lambda p: (p.order, p.name))


def load_knowledge_base(root: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Read every product and article under `root`, collecting problems."""
    kb = KnowledgeBase(root=root)
    problems: list[Problem] = []
    if not root.is_dir():
        return kb, [Problem(str(root), 0, say("lint_no_kb"))]

    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        product, found = _read_product(folder, relative_to=root.parent)
        problems += found
        if product:
            kb.products[product.id] = product

    for source in sorted(root.rglob("*.md")):
        rel = source.relative_to(root)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        article, found = _read_article(source, rel, kb.products, relative_to=root.parent)
        problems += found
        if article:
            kb.articles.append(article)

    synonyms_path = root / SYNONYMS_FILE
    if synonyms_path.exists():
        kb.synonyms, found = _read_synonyms(synonyms_path, relative_to=root.parent)
        problems += found
    return kb, problems


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter, body, line where the body starts)."""
    if not text.startswith("---\n"):
        return None, text, 1
    end = text.find("\n---", 3)
    if end == -1:
        return None, text, 1
    after = text.find("\n", end + 4)
    body = "" if after == -1 else text[after + 1 :]
    return text[4 : end + 1], body, text[: after + 1].count("\n") + 1


def _display(path: Path, relative_to: Path) -> str:
    try:
        return path.relative_to(relative_to).as_posix()
    except ValueError:
        return str(path)


def _read_product(folder: Path, relative_to: Path) -> tuple[Product | None, list[Problem]]:
    meta_path = folder / PRODUCT_FILE
    shown = _display(meta_path, relative_to)
    if not SLUG_RE.match(folder.name):
        return None, [
            Problem(
                _display(folder, relative_to),
                0,
                say("lint_product_folder", folder=folder.name),
            )
        ]
    if not meta_path.exists():
        return None, [Problem(shown, 0, say("lint_no_product_file", file=PRODUCT_FILE, folder=folder.name))]
    data, lines, problems = _parse_yaml(meta_path.read_text(encoding="utf-8"), shown, first_line=1)
    if data is None:
        return None, problems
    try:
        meta = ProductMeta.model_validate(data)
    except ValidationError as error:
        return None, problems + _field_problems(error, shown, lines, 1)
    return Product(id=folder.name, name=meta.name, description=meta.description, order=meta.order), problems


def _read_article(
    source: Path, rel: Path, products: dict[str, Product], relative_to: Path
) -> tuple[Article | None, list[Problem]]:
    shown = _display(source, relative_to)
    problems: list[Problem] = []
    if len(rel.parts) < 2:
        return None, [Problem(shown, 1, say("lint_outside_product"))]
    product_id = rel.parts[0]
    if product_id not in products:
        problems.append(Problem(shown, 1, say("lint_unknown_product", product=product_id, file=PRODUCT_FILE)))
    slug = source.stem
    if not SLUG_RE.match(slug):
        problems.append(Problem(shown, 1, say("lint_file_name", name=source.name)))
    elif slug in RESERVED_SLUGS:
        problems.append(Problem(shown, 1, say("lint_reserved_slug", slug=slug)))
    for folder in rel.parts[1:-1]:
        if not SLUG_RE.match(folder):
            problems.append(Problem(shown, 1, say("lint_folder_name", folder=folder)))

    text = source.read_text(encoding="utf-8")
    raw, body, body_line = split_front_matter(text)
    if raw is None:
        return None, problems + [Problem(shown, 1, say("lint_no_front_matter"))]
    data, lines, found = _parse_yaml(raw, shown, first_line=2)
    problems += found
    if data is None:
        return None, problems
    try:
        meta = FrontMatter.model_validate(data)
    except ValidationError as error:
        return None, problems + _field_problems(error, shown, lines, 1)
    if problems:
        return None, problems
    article = Article(
        product=product_id,
        path=PurePosixPath(*rel.parts[1:]),
        title=meta.title,
        summary=meta.summary,
        type=meta.type,
        tags=tuple(meta.tags),
        updated=meta.updated,
        source=source,
        body=body,
        body_line=body_line,
    )
    return article, problems


def _read_synonyms(path: Path, relative_to: Path) -> tuple[dict[str, list[str]], list[Problem]]:
    shown = _display(path, relative_to)
    data, lines, problems = _parse_yaml(path.read_text(encoding="utf-8"), shown, first_line=1)
    synonyms: dict[str, list[str]] = {}
    for key, value in (data or {}).items():
        words = [value] if isinstance(value, str) else value
        if not isinstance(key, str) or not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            problems.append(Problem(shown, lines.get(str(key), 1), say("lint_synonyms", key=key)))
            continue
        synonyms[key.strip().lower()] = [w.strip() for w in words]
    return synonyms, problems


def _parse_yaml(text: str, shown: str, first_line: int) -> tuple[dict[str, Any] | None, dict[str, int], list[Problem]]:
    """Parse a YAML mapping and remember the line of each top-level key."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        return None, {}, [Problem(shown, line, say("lint_yaml", problem=getattr(error, "problem", error)))]
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return None, {}, [Problem(shown, first_line, say("lint_mapping"))]
    lines = {str(key.value): first_line + key.start_mark.line for key, _ in node.value}
    return data, lines, []


def _field_problems(error: ValidationError, shown: str, lines: dict[str, int], default_line: int) -> list[Problem]:
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        line = lines.get(name, default_line)
        key = FIELD_PROBLEMS.get(item["type"], "lint_invalid")
        length = len(item["input"]) if item["type"] == "string_too_long" else 0
        problems.append(Problem(shown, line, say(key, name=name, length=length, limit=SUMMARY_MAX)))
    return problems
