"""Turn user files (Markdown, plain text, HTML, PDF) into `knowledge.Source` objects.

Ingested documents are quoted verbatim in answers, so every loader ends with the same text
normalization and the result is exactly what `Source.text` holds: chunk offsets point into it.
Anything that cannot be used is refused with an `IngestError` whose message is one line that
names the file and the reason, so the CLI and UI can show it as it is.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import math
import os
import re
import stat
import unicodedata
from dataclasses import replace
from pathlib import Path

from index.errors import IngestError
from knowledge.loader import (
    CONTROL_CHARACTERS,
    FUTURE_GRACE,
    MAX_TITLE_CHARS,
    KnowledgeError,
    Source,
    checked_text,
    checked_url,
    front_matter_fields,
    split_front_matter,
)

SUPPORTED = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
MAX_BYTES = 50 * 1024 * 1024
# Extracted text per file: a 17 KB PDF can expand to megabytes, and every character is chunked and
# embedded while the writer lock is held. 2 million characters is a 1,000-page book.
MAX_TEXT_CHARS = 2_000_000
MAX_HTML_DEPTH = 200  # real pages nest a few dozen levels; past ~255 lxml (under trafilatura) drops text silently

_TEXT_SUFFIXES = (".md", ".markdown", ".txt")
_HTML_SUFFIXES = (".html", ".htm")
_SUPPORTED_HINT = "supported: .md, .txt, .html, .pdf"

_SNIFF_BYTES = 8 * 1024
_MAX_CONTROL_RATIO = 0.10
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D} | {0x7F}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_STRICT_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})(\d{2})")
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_SYMLINK_REASON = "is a symbolic link; not followed (--follow-symlinks follows links inside the named folder)"

_HTML_DATE_KEYS = ("article:published_time", "og:published_time", "date", "pubdate", "publishdate", "datepublished")
_HTML_NOISE_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe")
_HTML_BLOCK_TAGS = (
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table", "tr", "ul",
)  # fmt: skip


# ---------------------------------------------------------------------------------------- public


def discover(paths: list[str | Path], *, follow_symlinks: bool = False) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into the supported files to ingest, plus what was refused and why.

    Ingestion never reads outside what was named: a symbolic link is refused (by name) unless
    `follow_symlinks` is set, and even then only followed when its target resolves inside the
    folder that was named (a link to /etc/passwd would otherwise be quoted to anyone who asks).
    Special files (FIFOs, devices, sockets) are refused too. Folders are walked recursively in
    sorted order, skipping hidden files and folders; files of other types found there are skipped
    silently (a folder usually holds more than documents). A path named explicitly is refused
    loudly instead: the user asked for it by name.
    """
    files: list[Path] = []
    refused: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given).expanduser()
        if path.is_symlink() and not follow_symlinks:
            refused.append((path, _SYMLINK_REASON))
            continue
        if path.is_dir():
            found, skipped = _files_in_folder(path, follow_symlinks)
            refused.extend(skipped)
        else:
            reason = _explicit_file_problem(path)
            if reason:
                refused.append((path, reason))
                continue
            found = [path]
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files, refused


def load_file(
    path: Path,
    *,
    title: str | None = None,
    published: str | None = None,
    url: str | None = None,
    max_bytes: int = MAX_BYTES,
    follow_symlinks: bool = False,
) -> Source:
    """Read one user file into a `Source`; `title`, `published` and `url` override what the file says.

    Raises `IngestError` (one line: file name and reason) on any input that cannot be used, so a
    bad file never reaches the index half-read.
    """
    path = Path(path)
    overrides = _checked_overrides(path, title=title, published=published, url=url)
    raw = _read_bounded(path, max_bytes, follow_symlinks)
    suffix = path.suffix.lower()
    try:
        if suffix in _TEXT_SUFFIXES:
            source = _load_text(path, raw)
        elif suffix in _HTML_SUFFIXES:
            source = _load_html(path, raw)
        else:
            source = _load_pdf(path, raw)
    except RecursionError:  # a parser deep in nested input: refuse this file, never the batch
        raise _refusal(path, "is nested too deeply to read") from None
    _check_text_size(path, source.text)
    return replace(source, **overrides) if overrides else source


def source_id_for(path: Path) -> str:
    """A stable id for a user file: readable (from the name) and unique (from the absolute path).

    Re-ingesting the same file replaces its earlier version; two `notes.md` in different folders
    stay distinct documents.
    """
    resolved = str(Path(path).resolve())
    digest = hashlib.sha1(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{_slug(Path(path).stem)}-{digest}"


# ------------------------------------------------------------------------- discovery and checks


def _files_in_folder(folder: Path, follow_symlinks: bool = False) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Supported, non-hidden regular files under `folder`, and the links and special files refused.

    Symlinked folders are never walked (no loops, no escape); a symlinked file is taken only with
    `follow_symlinks` and only when it resolves inside `folder`.
    """
    root_resolved = folder.resolve()
    found: list[Path] = []
    refused: list[tuple[Path, str]] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            file = Path(root) / name
            if name.startswith(".") or file.suffix.lower() not in SUPPORTED:
                continue
            if file.is_symlink():
                if not follow_symlinks:
                    refused.append((file, _SYMLINK_REASON))
                    continue
                if not _inside(file.resolve(), root_resolved):
                    refused.append((file, "is a symbolic link to a file outside the folder; not followed"))
                    continue
            if not file.is_file():
                refused.append((file, "is not a regular file"))
                continue
            found.append(file)
    return sorted(found), refused


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _explicit_file_problem(path: Path) -> str | None:
    """Why a path the user named cannot be ingested, or None when it can be tried."""
    if not path.exists():
        return "no such file" if not path.is_symlink() else "is a broken symbolic link"
    if not path.is_file():
        return "is not a regular file"
    if path.suffix.lower() not in SUPPORTED:
        return _unsupported_reason(path.suffix)
    return None


def _unsupported_reason(suffix: str) -> str:
    kind = suffix.lower() if suffix else "(no extension)"
    return f"unsupported file type {kind} ({_SUPPORTED_HINT})"


def _refusal(path: Path, reason: str) -> IngestError:
    """The one-line error every refusal uses: `name: reason`, with control characters neutralised."""
    name = _UNSAFE_NAME_CHARS.sub("?", path.name or str(path))
    return IngestError(f"{name}: {' '.join(reason.split())}")


def _read_bounded(path: Path, max_bytes: int, follow_symlinks: bool = False) -> bytes:
    """Check existence, type and size before reading, then read at most `max_bytes` + 1 bytes."""
    if not path.exists():
        raise _refusal(path, "no such file")
    if path.is_dir():
        raise _refusal(path, "is a folder, not a file")
    if path.suffix.lower() not in SUPPORTED:
        raise _refusal(path, _unsupported_reason(path.suffix))
    try:
        raw = _read_regular_file(path, max_bytes, follow_symlinks)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refusal(path, _SYMLINK_REASON) from exc
        raise _refusal(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from exc
    if len(raw) > max_bytes:  # grew since stat, or a special file that reports no size
        raise _refusal(path, _too_big_reason(len(raw), max_bytes))
    if not raw.strip():
        raise _refusal(path, "is empty")
    return raw


def _read_regular_file(path: Path, max_bytes: int, follow_symlinks: bool) -> bytes:
    """Open once, then check what was opened: a file swapped for a link or a FIFO after discovery
    is refused (O_NOFOLLOW), and nothing but a regular file is read (no /dev/zero, no blocking pipe)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0))
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refusal(path, "is not a regular file")
        if info.st_size > max_bytes:
            raise _refusal(path, _too_big_reason(info.st_size, max_bytes))
        return handle.read(max_bytes + 1)


def _too_big_reason(size: int, limit: int) -> str:
    return f"is {_human_size(size, round_up=True)}; the limit is {_human_size(limit)}"


def _human_size(n: int, *, round_up: bool = False) -> str:
    """Sizes as people read them; rounding the file's size up so it never shows as equal to the limit."""
    for unit, scale in (("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            value = math.ceil(n * 10 / scale) / 10 if round_up else round(n / scale, 1)
            return f"{value:g} {unit}"
    return f"{n} bytes"


def _checked_overrides(path: Path, *, title: str | None, published: str | None, url: str | None) -> dict[str, str]:
    """Arguments win over what the file says, checked as strictly as front matter; blank ones count as not given."""
    changes: dict[str, str] = {}
    try:
        if title and title.strip():
            changes["title"] = checked_text("title", title, MAX_TITLE_CHARS)
        if url and url.strip():
            changes["url"] = checked_url(url)
    except KnowledgeError as exc:
        raise _refusal(path, str(exc)) from None
    date = _checked_published_argument(path, published)
    if date:
        changes["published"] = date
    return changes


def _checked_published_argument(path: Path, published: str | None) -> str | None:
    """A `published` given by the user must be exactly YYYY-MM-DD: it is shown as is in citations."""
    if published is None or not published.strip():
        return None
    value = published.strip()
    try:
        if not _STRICT_DATE.fullmatch(value):
            raise ValueError
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise _refusal(path, f"published date {value!r} is not a valid YYYY-MM-DD date") from None
    if _in_future(date):
        raise _refusal(path, f"published date {value} is in the future")
    return date.isoformat()


def _in_future(date: dt.date) -> bool:
    return date > dt.date.today() + FUTURE_GRACE


def _iso_date(value: object) -> str | None:
    """A date found in a web page or PDF as YYYY-MM-DD, or None if it is not a real, past date.

    These dates are found rather than written on purpose, so bad ones are skipped, not refused.
    """
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    elif isinstance(value, str) and value.strip():
        try:
            date = dt.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    else:
        return None
    return None if _in_future(date) else date.isoformat()


def _check_text_size(path: Path, text: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise _refusal(path, f"has {len(text):,} characters of text; the limit is {MAX_TEXT_CHARS:,}")


def _found_title(text: str) -> str:
    """A title found in a page or PDF, on one line and cut to the limit (found, not chosen: not refused)."""
    line = _one_line(CONTROL_CHARACTERS.sub(" ", text))
    if len(line) <= MAX_TITLE_CHARS:
        return line
    return line[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


# -------------------------------------------------------------------------------- text helpers


def _normalize_text(text: str) -> str:
    """One canonical form for every loader: `\\n` line ends, no trailing spaces, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING_SPACE.sub("", text)
    text = _EXTRA_BLANK_LINES.sub("\n\n", text)
    return text.strip("\n")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].rstrip("-")
    return slug or "doc"


def _title_from_stem(path: Path) -> str:
    """`ilstc_annual-report` -> `Ilstc annual report`: better than a bare file name in citations."""
    words = _one_line(re.sub(r"[-_.]+", " ", path.stem))
    if not words:
        return path.name
    return words[0].upper() + words[1:] if words.islower() else words


def _user_source(
    path: Path, *, title: str, text: str, publisher: str = "", published: str = "", url: str = ""
) -> Source:
    resolved = path.resolve()
    return Source(
        id=source_id_for(resolved),
        title=_found_title(title) or _title_from_stem(path),
        text=text,
        publisher=_found_title(publisher),
        published=published,
        url=url.strip(),
        origin="user",
        path=str(resolved),
    )


# -------------------------------------------------------------------------- Markdown and text


def _load_text(path: Path, raw: bytes) -> Source:
    """Markdown or plain text, with optional YAML front matter (the same format as built-in sources)."""
    text = _normalize_text(_decode_utf8(path, raw))
    try:
        meta, body = split_front_matter(text)
        fields = front_matter_fields(meta)
    except KnowledgeError as exc:
        raise _refusal(path, str(exc)) from exc
    body = _normalize_text(body)
    if not body.strip():
        raise _refusal(path, "is empty")
    return _user_source(
        path,
        title=fields["title"] or _first_heading(body) or _title_from_stem(path),
        text=body,
        publisher=fields["publisher"],
        published=fields["published"],
        url=fields["url"],
    )


def _decode_utf8(path: Path, raw: bytes) -> str:
    """Refuse binary data and other encodings up front: indexing mojibake would make every quote wrong."""
    if raw.startswith(_UTF16_BOMS):
        raise _refusal(path, "is UTF-16 text; save it as UTF-8")
    if _looks_binary(raw):
        raise _refusal(path, "looks like binary data, not text")
    if b"\x00" in raw:  # past the sniffed start: still binary, and NULs break every consumer downstream
        raise _refusal(path, "contains NUL bytes (binary data, not text)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refusal(path, "is not UTF-8 text") from None


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:_SNIFF_BYTES]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte in _CONTROL_BYTES)
    return bool(sample) and controls / len(sample) > _MAX_CONTROL_RATIO


def _first_heading(body: str) -> str:
    match = _HEADING.search(body)
    return match.group(1).strip() if match else ""


# ------------------------------------------------------------------------------------------ HTML


def _load_html(path: Path, raw: bytes) -> Source:
    """A saved web page: metadata from its head, main text without menus, ads or scripts.

    Parsed with lxml (C, linear): BeautifulSoup's pure-Python tree took 20 s for a 1 MB page.
    """
    if not raw.startswith(_UTF16_BOMS) and _looks_binary(raw):  # UTF-16 pages have NULs; they are decoded
        raise _refusal(path, "looks like binary data, not text")
    html = _decode_html(raw)
    if "\x00" in html:
        raise _refusal(path, "contains NUL bytes (binary data, not text)")
    root = _parse_html(html)
    if root is None:
        raise _refusal(path, "has no readable text")
    if _nesting_depth(root, MAX_HTML_DEPTH) > MAX_HTML_DEPTH:  # before the extractors: see MAX_HTML_DEPTH
        raise _refusal(path, f"nests elements more than {MAX_HTML_DEPTH} levels deep")
    metadata = _html_metadata(root)
    text = _normalize_text(_main_text_trafilatura(html) or _main_text_fallback(root))
    if not text.strip():
        raise _refusal(path, "has no readable text")
    return _user_source(path, text=text, **{"title": _title_from_stem(path), **metadata})


def _html_metadata(root) -> dict[str, str]:
    """Title, publisher, date and link from the page head; keys absent when the page does not say."""
    meta = _html_meta(root)
    title = next(root.iter("title"), None)
    canonical = next((el for el in root.iter("link") if "canonical" in (el.get("rel") or "").lower().split()), None)
    found = {
        "title": _one_line(meta.get("og:title") or (title.text_content() if title is not None else "")),
        "publisher": meta.get("og:site_name", ""),
        "published": _html_published(root, meta),
        "url": _web_url(meta.get("og:url")) or _web_url(canonical.get("href") if canonical is not None else None),
    }
    return {key: value for key, value in found.items() if value}


def _decode_html(raw: bytes) -> str:
    """Honour the page's declared charset (or sniff one): web pages are often not UTF-8."""
    from bs4 import UnicodeDammit

    return UnicodeDammit(raw, is_html=True).unicode_markup or raw.decode("utf-8", "replace")


def _parse_html(html: str):
    """The page's root element, or None for a page with nothing in it.

    Given bytes with the encoding stated, so that a `<?xml encoding=...?>` line, which lxml
    refuses in a decoded string, is ignored.
    """
    import lxml.html
    from lxml.etree import ParserError

    parser = lxml.html.HTMLParser(encoding="utf-8")
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except ParserError:  # "Document is empty"
        return None


def _html_meta(root) -> dict[str, str]:
    """`<meta>` contents keyed by lower-cased property/name/itemprop; the first occurrence wins."""
    meta: dict[str, str] = {}
    for tag in root.iter("meta"):
        content = _one_line(tag.get("content") or "")
        for attr in ("property", "name", "itemprop"):
            key = (tag.get(attr) or "").strip().lower()
            if key and content:
                meta.setdefault(key, content)
    return meta


def _html_published(root, meta: dict[str, str]) -> str:
    """The first parseable publication date; web pages carry junk dates, so bad ones are skipped."""
    candidates = [meta.get(key) for key in _HTML_DATE_KEYS]
    candidates += [tag.get("datetime") for tag in root.iter("time")]
    for candidate in candidates:
        date = _iso_date(candidate)
        if date:
            return date
    return ""


def _web_url(value: str | None) -> str:
    """Only absolute http(s) links are useful in a citation; relative or `javascript:` ones are dropped."""
    try:
        return checked_url(value)
    except KnowledgeError:
        return ""


def _main_text_trafilatura(html: str) -> str:
    """trafilatura finds the article body and drops boilerplate; its lines are paragraphs."""
    import trafilatura

    extracted = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    if not extracted:
        return ""
    return "\n\n".join(line.strip() for line in extracted.splitlines() if line.strip())


def _nesting_depth(root, limit: int) -> int:
    """How deep elements nest, counting no further than `limit` + 1 (one pass, no recursion)."""
    from lxml import etree

    depth = deepest = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def _main_text_fallback(root) -> str:
    """Text of the main element for pages trafilatura gives up on (tiny ones): block elements
    become paragraphs; scripts, menus and comments are skipped.

    One walk with an explicit stack: no recursion, and the tree is left as it is (inserting
    separators into it, as this once did with BeautifulSoup, took minutes for deep pages).
    """
    main = next(root.iter("article"), None)
    main = main if main is not None else next(root.iter("main"), None)
    main = main if main is not None else root.find("body")
    parts: list[str] = []
    stack: list = [main if main is not None else root]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        block = item.tag in _HTML_BLOCK_TAGS
        pending = ["\n\n"] if block else []
        pending.append(item.text or "")
        for child in item:
            if isinstance(child.tag, str) and child.tag not in _HTML_NOISE_TAGS:
                pending.append(child)  # comments and processing instructions: only their tail is text
            pending.append(child.tail or "")
        if block:
            pending.append("\n\n")
        stack.extend(reversed(pending))
    paragraphs = (_one_line(part) for part in _PARAGRAPH_BREAK.split("".join(parts)))
    return "\n\n".join(p for p in paragraphs if p)


# ------------------------------------------------------------------------------------------- PDF


def _load_pdf(path: Path, raw: bytes) -> Source:
    """A PDF with a text layer; scanned PDFs are refused because there is nothing to quote."""
    reader = _open_pdf(path, raw)
    text = _normalize_text("\n\n".join(_page_texts(path, reader)))
    if not text.strip():
        raise _refusal(path, "has no text layer (scanned PDF?)")
    title, published = _pdf_metadata(reader)
    return _user_source(path, title=title or _title_from_stem(path), text=text, published=published)


def _open_pdf(path: Path, raw: bytes):
    """Open and, if needed, unlock with the empty password (owner-restricted PDFs are readable)."""
    from pypdf import PdfReader

    if b"%PDF-" not in raw[:1024]:
        raise _refusal(path, "is not a readable PDF")
    try:
        reader = PdfReader(io.BytesIO(raw))
    except Exception as exc:  # malformed PDFs make pypdf raise nearly anything
        raise _refusal(path, "is not a readable PDF") from exc
    if reader.is_encrypted and not _unlocked_with_empty_password(reader):
        raise _refusal(path, "is encrypted")
    return reader


def _unlocked_with_empty_password(reader) -> bool:
    from pypdf import PasswordType

    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception:  # e.g. AES without the optional `cryptography` package
        return False


def _page_texts(path: Path, reader) -> list[str]:
    """Page texts, stopping as soon as the text limit is passed (a small PDF can expand to megabytes)."""
    texts, total = [], 0
    try:
        for page in reader.pages:
            text = _normalize_text((page.extract_text() or "").replace("\x00", ""))
            if text.strip():
                texts.append(text)
                total += len(text) + 2
            if total > MAX_TEXT_CHARS:
                _check_text_size(path, "\n\n".join(texts))
    except IngestError:
        raise
    except Exception as exc:  # a broken page stream: refuse rather than index part of the document
        raise _refusal(path, "is not a readable PDF") from exc
    return texts


def _pdf_metadata(reader) -> tuple[str, str]:
    """Title and creation date when present; PDF metadata is often broken, so failures mean 'unknown'."""
    try:
        info = reader.metadata
    except Exception:
        return "", ""
    if not info:
        return "", ""
    return _one_line(str(info.get("/Title") or "")), _pdf_date(info)


def _pdf_date(info) -> str:
    try:
        created = info.creation_date
    except Exception:
        created = None
    if created:
        return created.date().isoformat()
    match = _PDF_DATE.match(str(info.get("/CreationDate") or ""))
    if not match:
        return ""
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return ""
