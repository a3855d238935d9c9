"""index.loaders: user files (Markdown, text, HTML, PDF) become `Source`s, or are refused in one line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from index import loaders
from index.errors import IngestError
from index.loaders import discover, load_file, source_id_for

PAGE_TEXT = b"BT /F1 12 Tf 72 712 Td (Chongqing rail text) Tj ET"

ARTICLE_HTML = """<!doctype html>
<html><head>
<title>Rail news | Example News</title>
<meta property="og:title" content="Chongqing rail freight grows">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2023-04-05T08:30:00+08:00">
<link rel="canonical" href="https://example.com/rail">
<script>var leaked = "SCRIPT_IN_HEAD";</script>
<style>.hidden { color: red }</style>
</head><body>
<header><nav><a href="/">Home</a> | <a href="/about">About us</a> | <a href="/contact">Contact</a></nav></header>
<article>
<h1>Chongqing rail freight grows</h1>
<p>The New International Land-Sea Trade Corridor carried more containers in 2023 than ever before,
officials in Chongqing said on Wednesday.</p>
<script>document.write("SCRIPT_IN_ARTICLE")</script>
<p>Rail-sea intermodal trains now link the city with the Beibu Gulf ports, where goods are loaded
onto ships bound for Southeast Asia.</p>
<p>Officials expect <b>further growth</b> next year as new routes open.</p>
</article>
<aside>Related: Sign up for our newsletter</aside>
<footer>Copyright 2024 Example News. All rights reserved.</footer>
</body></html>
"""


def make_pdf(pages: list[bytes | None], info: bytes = b"") -> bytes:
    """A minimal valid PDF: one Helvetica font, one page per entry (None = a page without content stream)."""
    objects: list[bytes] = []
    page_numbers = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % n for n in page_numbers)
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for number, content in zip(page_numbers, pages, strict=True):
        contents = b" /Contents %d 0 R" % (number + 1) if content is not None else b""
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>%s >>"
            % contents
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content or b""), content or b""))
    if info:
        objects.append(info)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (n, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    info_ref = b" /Info %d 0 R" % len(objects) if info else b""
    out.write(b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info_ref, xref))
    return out.getvalue()


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def refusal(path: Path, **kwargs) -> str:
    """Load a file that must be refused; check the message is one line naming the file."""
    with pytest.raises(IngestError) as info:
        load_file(path, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{path.name}: ")
    assert "\n" not in message and "\r" not in message
    return message


# ------------------------------------------------------------------------------- good input


def test_markdown_front_matter_gives_metadata_and_body(tmp_path):
    path = write(
        tmp_path,
        "ilstc.md",
        "---\ntitle: Corridor update\npublisher: Xinhua\npublished: 2022-09-16T10:00:00+08:00\n"
        "url: https://example.com/a\n---\n\n# Heading\r\n\r\nFirst paragraph.   \r\n\r\n\r\n\r\nSecond.\n",
    )
    source = load_file(path)
    assert source.title == "Corridor update"
    assert source.publisher == "Xinhua"
    assert source.published == "2022-09-16"
    assert source.url == "https://example.com/a"
    assert source.text == "# Heading\n\nFirst paragraph.\n\nSecond."
    assert source.origin == "user"
    assert source.path == str(path.resolve())
    assert source.id == source_id_for(path)


def test_markdown_date_key_and_yaml_date(tmp_path):
    source = load_file(write(tmp_path, "a.markdown", "---\ndate: 2021-03-04\n---\nBody text.\n"))
    assert source.published == "2021-03-04"


def test_markdown_without_title_uses_first_heading(tmp_path):
    path = write(tmp_path, "notes.md", "\ufeffSome intro.\n\n## Beibu Gulf ports ##\n\nText.\n\n# Later\n")
    source = load_file(path)
    assert source.title == "Beibu Gulf ports"
    assert source.text.startswith("Some intro.")  # the BOM is not part of the text


def test_txt_without_heading_uses_prettified_stem(tmp_path):
    source = load_file(write(tmp_path, "rail_freight-notes.txt", "Chongqing to Qinzhou by rail.\n"))
    assert source.title == "Rail freight notes"
    assert source.text == "Chongqing to Qinzhou by rail."
    assert (source.publisher, source.published, source.url) == ("", "", "")


def test_html_metadata_main_text_without_boilerplate_or_script(tmp_path):
    source = load_file(write(tmp_path, "page.html", ARTICLE_HTML))
    assert source.title == "Chongqing rail freight grows"
    assert source.publisher == "Example News"
    assert source.published == "2023-04-05"
    assert source.url == "https://example.com/rail"
    assert "Beibu Gulf ports" in source.text
    assert "further growth next year" in source.text
    assert "\n\n" in source.text  # paragraphs separated by blank lines
    for noise in ("SCRIPT_IN_HEAD", "SCRIPT_IN_ARTICLE", "About us", "newsletter", "Copyright", "color: red"):
        assert noise not in source.text


def test_html_fallback_when_trafilatura_finds_nothing(tmp_path, monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    html = (
        "<html><head><title> Plain  page </title><meta name='date' content='2020-01-02'></head><body>"
        "<nav>Menu item</nav><main><p>Alpha <b>beta</b> gamma.</p><script>SCRIPT_BODY()</script><p>Delta.</p>"
        "<time datetime='2019-05-06'>May</time></main><footer>Footer text</footer></body></html>"
    )
    source = load_file(write(tmp_path, "plain.htm", html))
    assert source.title == "Plain page"
    assert source.published == "2020-01-02"
    assert source.text.startswith("Alpha beta gamma.\n\nDelta.")
    for noise in ("SCRIPT_BODY", "Menu item", "Footer text"):
        assert noise not in source.text


def test_html_time_element_and_canonical_link(tmp_path):
    html = (
        "<html><head><link rel='canonical' href='https://example.org/x'></head><body><article>"
        "<time datetime='2024-02-03T09:00:00Z'>3 Feb</time><p>" + "Corridor trains run daily. " * 20 + "</p>"
        "</article></body></html>"
    )
    source = load_file(write(tmp_path, "no-title.html", html))
    assert source.published == "2024-02-03"
    assert source.url == "https://example.org/x"
    assert source.title == "No title"


def test_pdf_text_and_metadata(tmp_path):
    info = b"<< /Title (Rail report) /CreationDate (D:20230105120000+08'00') >>"
    pdf = make_pdf([PAGE_TEXT, b"BT /F1 12 Tf 72 712 Td (Second page) Tj ET"], info=info)
    source = load_file(write(tmp_path, "report.pdf", pdf))
    assert source.text == "Chongqing rail text\n\nSecond page"
    assert source.title == "Rail report"
    assert source.published == "2023-01-05"


def test_pdf_without_metadata_uses_stem(tmp_path):
    source = load_file(write(tmp_path, "rail.pdf", make_pdf([PAGE_TEXT])))
    assert (source.title, source.published) == ("Rail", "")


def test_arguments_override_file_metadata(tmp_path):
    path = write(tmp_path, "a.md", "---\ntitle: From file\npublished: 2020-01-01\nurl: https://a.example\n---\nBody.\n")
    source = load_file(path, title="  Given\ntitle ", published="2024-06-30", url="https://b.example")
    assert (source.title, source.published, source.url) == ("Given title", "2024-06-30", "https://b.example")
    html_source = load_file(write(tmp_path, "p.html", ARTICLE_HTML), title="Mine", published="2001-02-03")
    assert (html_source.title, html_source.published) == ("Mine", "2001-02-03")


def test_source_id_is_stable_and_path_specific(tmp_path):
    first = write(tmp_path, "one/Rail Notes!.md", "x")
    second = write(tmp_path, "two/Rail Notes!.md", "x")
    assert source_id_for(first) == source_id_for(tmp_path / "one" / ".." / "one" / "Rail Notes!.md")
    assert source_id_for(first) != source_id_for(second)
    assert source_id_for(first).startswith("rail-notes-")
    assert len(source_id_for(first).rsplit("-", 1)[1]) == 8


# -------------------------------------------------------------------------------- bad input


def test_unsupported_extension(tmp_path):
    message = refusal(write(tmp_path, "report.docx", b"PK\x03\x04"))
    assert "unsupported file type .docx (supported: .md, .txt, .html, .pdf)" in message


def test_missing_path(tmp_path):
    assert refusal(tmp_path / "gone.md").endswith("no such file")


def test_folder_given_to_load_file(tmp_path):
    folder = tmp_path / "docs.md"
    folder.mkdir()
    assert "is a folder" in refusal(folder)


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n", b"---\ntitle: Only metadata\n---\n\n  \n"])
def test_empty_text(tmp_path, content):
    assert refusal(write(tmp_path, "empty.md", content)).endswith("is empty")


def test_binary_named_txt(tmp_path):
    assert refusal(write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))).endswith(
        "looks like binary data, not text"
    )


def test_control_characters_without_nul_count_as_binary(tmp_path):
    data = bytes([1, 2, 3, 4, 5, 6, 0x0E, 0x1F]) * 20 + b"text"
    assert refusal(write(tmp_path, "odd.md", data)).endswith("looks like binary data, not text")


def test_binary_named_pdf(tmp_path):
    assert refusal(write(tmp_path, "fake.pdf", b"\x00\x01\x02 not a pdf at all")).endswith("is not a readable PDF")


def test_truncated_pdf(tmp_path):
    assert refusal(write(tmp_path, "cut.pdf", make_pdf([PAGE_TEXT])[:40])).endswith("is not a readable PDF")


def test_pdf_without_text_layer(tmp_path):
    message = refusal(write(tmp_path, "scan.pdf", make_pdf([None])))
    assert message.endswith("has no text layer (scanned PDF?)")


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([PAGE_TEXT]))))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert refusal(write(tmp_path, "locked.pdf", out.getvalue())).endswith("is encrypted")


def test_undecodable_text(tmp_path):
    assert refusal(write(tmp_path, "latin.txt", b"caf\xe9 \xff\xfe")).endswith("is not UTF-8 text")


def test_oversize_checked_before_reading(tmp_path, monkeypatch):
    path = write(tmp_path, "big.md", b"a" * 200)
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("read a file that is too big"))
    assert refusal(path, max_bytes=100).endswith("is 200 bytes; the limit is 100 bytes")


def test_oversize_message_in_megabytes():
    assert loaders._too_big_reason(int(51.2 * 1024 * 1024), loaders.MAX_BYTES) == "is 51.2 MB; the limit is 50 MB"
    assert loaders._too_big_reason(loaders.MAX_BYTES + 1, loaders.MAX_BYTES) == "is 50.1 MB; the limit is 50 MB"


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", "2024-1-5", "2024-01-05T10:00:00", "05/01/2024"])
def test_bad_published_argument(tmp_path, bad):
    message = refusal(write(tmp_path, "a.md", "Body.\n"), published=bad)
    assert "YYYY-MM-DD" in message


def test_bad_front_matter_date(tmp_path):
    assert "YYYY-MM-DD" in refusal(write(tmp_path, "a.md", "---\npublished: last week\n---\nBody.\n"))


def test_bad_front_matter_yaml(tmp_path):
    assert "front matter" in refusal(write(tmp_path, "a.md", "---\ntitle: [unclosed\n---\nBody.\n"))


def test_html_with_no_text(tmp_path):
    html = "<html><head><title>x</title><script>only()</script></head><body></body></html>"
    assert refusal(write(tmp_path, "blank.html", html)).endswith("has no readable text")


def test_file_name_with_newline_stays_one_line(tmp_path):
    path = write(tmp_path, "evil\nname.txt", b"")
    with pytest.raises(IngestError) as info:
        load_file(path)
    assert str(info.value) == "evil?name.txt: is empty"


# -------------------------------------------------------------------------------- discover


def test_discover_folder_mixes_supported_unsupported_hidden(tmp_path):
    docs = tmp_path / "docs"
    for name in ("b.md", "a.txt", "sub/c.HTML", "sub/d.pdf", "e.docx", "image.png", ".hidden.md", ".git/f.md"):
        write(docs, name, "x")
    explicit = write(tmp_path, "extra.markdown", "x")
    write(tmp_path, "notes.docx", b"PK")
    files, refused = discover([docs, str(explicit), tmp_path / "nope.md", tmp_path / "notes.docx", docs / "b.md"])
    assert files == [docs / "a.txt", docs / "b.md", docs / "sub" / "c.HTML", docs / "sub" / "d.pdf", explicit]
    assert refused[0] == (tmp_path / "nope.md", "no such file")
    assert refused[1][0] == tmp_path / "notes.docx"
    assert refused[1][1].startswith("unsupported file type .docx")
    assert len(refused) == 2


def test_utf16_html_is_decoded(tmp_path):
    html = "<html><head><title>Wide page</title></head><body><p>Chongqing to Qinzhou.</p></body></html>"
    source = load_file(write(tmp_path, "wide.html", html.encode("utf-16")))
    assert (source.title, source.text) == ("Wide page", "Chongqing to Qinzhou.")


# ------------------------------------------------------------------- symlinks and special files


def test_symlink_in_folder_to_outside_file_is_refused_by_name(tmp_path):
    secret = write(tmp_path, "secret.txt", "root:x:0:0:root:/root:/bin/bash\n")
    docs = tmp_path / "docs"
    write(docs, "real.md", "A real document.\n")
    (docs / "passwd.md").symlink_to(secret)
    (docs / "proc.txt").symlink_to("/proc/self/status")
    files, refused = discover([docs])
    assert files == [docs / "real.md"]
    assert [p.name for p, _ in refused] == ["passwd.md", "proc.txt"]
    assert all("symbolic link" in reason for _, reason in refused)


def test_follow_symlinks_only_inside_the_named_folder(tmp_path):
    outside = write(tmp_path, "outside.md", "Outside.\n")
    docs = tmp_path / "docs"
    inside = write(docs, "sub/inside.md", "Inside.\n")
    (docs / "alias.md").symlink_to(inside)
    (docs / "escape.md").symlink_to(outside)
    (docs / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    files, refused = discover([docs], follow_symlinks=True)
    assert files == [docs / "alias.md"]  # the link and its target are one document
    assert docs / "escape.md" not in files
    assert any(p.name == "escape.md" and "outside the folder" in r for p, r in refused)
    assert not any("linked-dir" in str(f) for f in files)  # symlinked folders are never walked


def test_explicit_symlink_is_refused_unless_followed(tmp_path):
    target = write(tmp_path, "target.md", "Target text.\n")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    files, refused = discover([link])
    assert files == [] and "symbolic link" in refused[0][1]
    files, refused = discover([link], follow_symlinks=True)
    assert files == [link] and refused == []


def test_file_swapped_for_symlink_after_discovery_is_not_read(tmp_path):
    secret = write(tmp_path, "secret.md", "Secret.\n")
    path = tmp_path / "doc.md"
    path.symlink_to(secret)  # as if replaced between discover() and load_file()
    assert "symbolic link" in refusal(path)
    assert load_file(path, follow_symlinks=True).text == "Secret."


def test_fifo_is_refused_without_blocking(tmp_path):
    import os

    docs = tmp_path / "docs"
    write(docs, "ok.md", "Fine.\n")
    os.mkfifo(docs / "pipe.md")
    files, refused = discover([docs])
    assert files == [docs / "ok.md"]
    assert refused == [(docs / "pipe.md", "is not a regular file")]
    assert "not a regular file" in refusal(docs / "pipe.md")


# ------------------------------------------------------------------------- hostile front matter

BILLION_LAUGHS = (
    '---\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "title: *i\n---\nBody text.\n"
)


def test_front_matter_aliases_are_refused_before_they_expand(tmp_path):
    import time

    t0 = time.perf_counter()
    message = refusal(write(tmp_path, "laughs.md", BILLION_LAUGHS))
    assert "alias" in message and time.perf_counter() - t0 < 2


def test_deeply_nested_front_matter_is_refused_not_a_recursion_error(tmp_path):
    message = refusal(write(tmp_path, "deep.md", "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nBody.\n"))
    assert "nested more than" in message


def test_oversized_front_matter_is_refused(tmp_path):
    message = refusal(write(tmp_path, "big.md", "---\nnotes: " + "x" * 20000 + "\n---\nBody.\n"))
    assert "front matter is 20,007 characters; the limit is 16,384" in message


@pytest.mark.parametrize(
    ("front_matter", "words"),
    [
        ("title: true", "title must be text, not true/false; put it in quotes"),
        ("title: [a, b]", "title must be text, not a list"),
        ("publisher: 1.10", "publisher must be text, not a number"),
        ("title: " + "t" * 301, "title is 301 characters; the limit is 300"),
        ("published: 9999-12-31", "published date 9999-12-31 is in the future"),
        ("published: 2024-02-30", "YAML cannot read: day is out of range for month"),
        ("date: true", "is not a YYYY-MM-DD date"),
        ('title: "Rail \\e[2J news"', "title contains control characters"),
        ("url: javascript:alert(1)", "is not an http(s) link"),
        ("url: file:///etc/passwd", "is not an http(s) link"),
        ("url: 42", "is not a link"),
    ],
)
def test_front_matter_fields_are_typed_and_bounded(tmp_path, front_matter, words):
    assert words in refusal(write(tmp_path, "a.md", f"---\n{front_matter}\n---\nBody.\n"))


def test_front_matter_dates_up_to_tomorrow_are_accepted(tmp_path):
    import datetime as dt

    tomorrow = dt.date.today() + dt.timedelta(days=1)
    source = load_file(
        write(tmp_path, "a.md", f"---\npublished: '{tomorrow.isoformat()}'\ntitle: '1984'\n---\nBody.\n")
    )
    assert (source.published, source.title) == (tomorrow.isoformat(), "1984")


def test_arguments_are_checked_like_front_matter(tmp_path):
    path = write(tmp_path, "a.md", "Body.\n")
    assert "is in the future" in refusal(path, published="9999-12-31")
    assert "is not an http(s) link" in refusal(path, url="javascript:alert(1)")
    assert "the limit is 300" in refusal(path, title="t" * 400)


def test_found_metadata_is_cleaned_not_refused(tmp_path):
    html = (
        "<html><head><title>" + "Long title " * 100 + "</title>"
        "<meta property='article:published_time' content='9999-12-31'><meta name='date' content='2020-05-06'>"
        "<meta property='og:url' content='javascript:alert(1)'></head><body><p>Body text here.</p></body></html>"
    )
    source = load_file(write(tmp_path, "page.html", html))
    assert len(source.title) <= 300 and source.title.endswith("…")
    assert source.published == "2020-05-06"  # the future date is skipped as junk
    assert source.url == ""


# ---------------------------------------------------------------------------- size and depth


def test_nul_byte_after_the_sniffed_start_is_refused(tmp_path):
    data = b"Chongqing rail text. " * 500 + b"\x00" + b"More text."
    assert "NUL" in refusal(write(tmp_path, "late-nul.txt", data))


def test_deeply_nested_html_is_refused_quickly(tmp_path):
    import time

    page = "<html><body>" + "<div>x " * 100_000 + "</div>" * 100_000 + "</body></html>"
    t0 = time.perf_counter()
    assert "levels deep" in refusal(write(tmp_path, "deep.html", page))
    assert time.perf_counter() - t0 < 3


def test_text_over_the_character_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "MAX_TEXT_CHARS", 1000)
    assert "characters of text; the limit is 1,000" in refusal(write(tmp_path, "long.txt", "Words here. " * 200))
    pdf = make_pdf([b"BT /F1 12 Tf 72 712 Td (" + b"Rail text " * 60 + b") Tj ET"] * 3)
    assert "the limit is 1,000" in refusal(write(tmp_path, "long.pdf", pdf))


def test_html_fallback_is_linear_in_nesting_depth(tmp_path, monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    page = "<html><body><article>" + "<div><p>Depot text.</p>" * 150 + "</div>" * 150 + "</article></body></html>"
    source = load_file(write(tmp_path, "nested.html", page))
    assert source.text.count("Depot text.") == 150
