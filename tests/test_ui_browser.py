"""The web chat for real: the app served on 127.0.0.1, driven in Debian's Chromium, its API called
through gradio_client. Screenshots (desktop 1366x900, phone 390x844, light and dark) go to
test-artifacts/ for anyone to look at; they are never committed."""

from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import free_port
from ui.app import ServeOptions, serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
VIETNAM = "What share of the corridor's trade value comes from Vietnam?"
MALAYSIA = "What share of the corridor's trade comes from Malaysia?"
TIMEOUT_MS = 60_000
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# Contrast of every visible text node against the first opaque background behind it (WCAG formula).
CONTRAST_JS = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bg = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c; }
    return document.documentElement.classList.contains("dark") || document.body.classList.contains("dark") ? [11, 15, 25] : [255, 255, 255]; };
  const out = []; const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement; if (!n.textContent.trim() || !el) continue;
    const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    if (!r.width || !r.height || s.visibility === "hidden" || s.display === "none" || +s.opacity < 0.5 || el.closest("[aria-hidden=true], .sr-only, .hide")) continue;
    const fg = rgb(s.color), back = bg(el), hi = Math.max(lum(fg), lum(back)), lo = Math.min(lum(fg), lum(back));
    out.push({text: n.textContent.trim().slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05), color: s.color, cls: el.className + ""});
  }
  return out; }"""


@pytest.fixture(scope="module")
def feedback_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ui-feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def server(assistant, feedback_path):
    """The app as `corridor serve` runs it (guard, queue, CSS, theme), in this process, on a free port."""
    app = serve(assistant, host="127.0.0.1", port=free_port(), feedback_path=feedback_path)
    yield app.local_url
    app.close()


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="corridor-chromium-") as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, viewport=DESKTOP
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        yield context
        context.close()


def open_page(chromium, url, viewport=DESKTOP, scheme="light"):
    page = chromium.new_page()
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)
    page.goto(url + ("?__theme=dark" if scheme == "dark" else "?__theme=light"), wait_until="load")
    page.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
    page.wait_for_selector("#new-chat:not([disabled])", timeout=TIMEOUT_MS)  # the page load has restored its state
    return page


@pytest.fixture
def page(chromium, server):
    page = open_page(chromium, server)
    page.click("#new-chat")
    yield page
    page.close()


def ask(page, question: str, n: int) -> str:
    """Type and send a question; wait for the n-th assistant message to be complete; return its text.

    Gradio ignores a submit while the previous one's steps (the answer, then saving the
    conversation) still run, and the question stays in the box: a user presses Enter again, and
    so does this (seen once in CI, on a machine loaded well beyond its two cores)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.fill("#question textarea", question)
    # taken: the question shows in the chat, or a reply does (a refused question shows only that)
    user, bot = page.locator("#chat [data-testid='user']"), page.locator("#chat [data-testid='bot']")
    sent = user.nth(n - 1).or_(bot.nth(n - 1)).first
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    page.keyboard.press("Enter")
    while True:
        try:
            sent.wait_for(timeout=5000)
            break
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
            if page.input_value("#question textarea") == question:  # still in the box: ignored
                page.keyboard.press("Enter")
    return wait_reply(page, n)


def wait_reply(page, n: int) -> str:
    bots = page.locator("#chat [data-testid='bot']")
    bots.nth(n - 1).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        f"() => document.querySelectorAll('#chat .copy-answer, #chat .refusal').length >= {n}", timeout=TIMEOUT_MS
    )
    return bots.nth(n - 1).locator(".answer-text, .refusal").first.inner_text()


def wait_chat_settled(page) -> None:
    """After an answer, gradio scrolls the chat to its end once more (300 ms later): wait for that
    before scrolling it elsewhere (a citation), or it would be undone."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('#chat *')].filter(e => e.scrollHeight > e.clientHeight + 1
              && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY))
            .every(e => e.scrollTop + e.clientHeight >= e.scrollHeight - 2)""",
        timeout=TIMEOUT_MS,
    )


def wait_saved(page, first_question: str, n_turns: int) -> None:
    """Wait until the page's conversation (the one selected in the list; earlier tests saved others
    with the same first question) is saved with `n_turns` turns."""
    label = json.dumps(f"{first_question[:40]}")
    page.wait_for_function(
        f"() => [...document.querySelectorAll('#conversations label')].some(l => l.querySelector('input:checked')"
        f" && l.innerText.includes({label}) && l.innerText.includes('({n_turns})'))",
        timeout=TIMEOUT_MS,
    )


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        f"() => (document.querySelector({json.dumps(selector)}) || {{}}).innerText?.includes({json.dumps(text)})",
        timeout=TIMEOUT_MS,
    )


def feedback_lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.mark.browser
def test_answer_sources_citation_link_copy_and_vote(page, assistant, artifacts, feedback_path):
    assert page.locator("h1").inner_text() == "Corridor Assistant"
    wait_text(page, "#chat", "1 source: iChongqing, 2022-09-16")  # the empty state says what is indexed
    first = ask(page, VIETNAM, 1)
    assert "62%" in first and "[1]" in first
    card = page.locator("#src-0-1")
    assert "iChongqing" in card.inner_text() and "62%" in card.locator("mark").inner_text()
    assert card.locator("a[href^='https://www.ichongqing.info/']").count() == 1  # the article's public link

    second = ask(page, "Who founded Osell?", 2)
    assert "Feng Jianfeng" in second
    assert page.locator("#src-0-1").is_hidden() and page.locator("#src-1-1").is_visible()
    page.locator("#chat a.cite[href='#src-0-1']").click()  # back to the first answer's source
    page.wait_for_selector("#src-0-1.flash", timeout=5000)
    assert page.locator("#src-0-1").is_visible() and page.locator("#src-1-1").is_hidden()
    page.screenshot(path=str(artifacts / "desktop-light-answer.png"))

    page.locator("#chat .copy-answer").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(first.strip()[:20]) and "Sources:" in copied and "“Data shows" in copied
    assert "&#x27;" not in copied and "<" not in copied

    page.locator("#chat [data-testid='bot']").first.hover()
    page.locator("#chat button[aria-label='Like']").first.click()
    deadline = time.monotonic() + 10
    while not feedback_lines(feedback_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    (vote,) = feedback_lines(feedback_path)
    assert vote["vote"] == "up" and vote["question"] == VIETNAM and "62%" in vote["answer"]


@pytest.mark.browser
def test_open_full_source_highlights_the_quote(page):
    ask(page, VIETNAM, 1)
    page.locator("#src-0-1 .open-source").click()
    mark = page.locator("#viewer #viewer-mark")
    mark.wait_for(timeout=TIMEOUT_MS)
    assert "62%" in mark.inner_text() and "Osell" in page.inner_text("#viewer")  # the whole article
    page.click("#close-viewer")
    page.wait_for_selector("#viewer-box", state="hidden", timeout=TIMEOUT_MS)


@pytest.mark.browser
def test_abstention_shows_related_passages_not_an_answer(page, artifacts):
    reply = ask(page, MALAYSIA, 1)
    assert "can't find" in reply
    assert page.locator("#chat .abstain-badge").is_visible()
    assert page.locator("#sources .notice-abstain").is_visible()
    assert page.locator("#sources .turn-sources.active li[id^='src-']").count() == 0
    if page.locator("#sources .related li").count():
        assert page.locator("#sources .related-title").inner_text() == "Related passages, not an answer"
    page.screenshot(path=str(artifacts / "desktop-light-abstain.png"))


@pytest.mark.browser
def test_injected_markup_shows_as_text_and_runs_nothing(page):
    question = 'Ports <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>?'
    ask(page, question, 1)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#chat img, #chat script, #sources img, #sources script").count() == 0
    assert question in page.locator("#chat [data-testid='user']").first.inner_text()


@pytest.mark.browser
def test_refused_question_stays_in_the_box(page, assistant):
    long_question = "Which ports? " * (assistant.settings.max_question_chars // 12 + 5)
    ask(page, long_question, 1)
    assert page.input_value("#question textarea") == long_question
    assert "the limit is" in page.inner_text("#chat")


@pytest.mark.browser
def test_conversation_survives_a_reload_and_is_exported(page, chromium, server, tmp_path):
    answer = ask(page, VIETNAM, 1)
    wait_saved(page, VIETNAM, 1)
    page.reload(wait_until="load")
    page.wait_for_function(
        "() => document.querySelectorAll('#chat [data-testid=bot]').length === 1", timeout=TIMEOUT_MS
    )
    assert answer.strip()[:30] in page.inner_text("#chat")
    assert page.locator("#src-0-1 mark").is_visible()  # its sources come back too
    page.click("button[aria-label*='sidebar' i], .sidebar button, [class*=sidebar] button >> nth=0")
    page.fill("#rename textarea, #rename input", "Vietnam share")
    page.click("#rename-btn")
    page.wait_for_function(
        "() => document.querySelector('#conversations').innerText.includes('Vietnam share')", timeout=TIMEOUT_MS
    )
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.click("#export")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Vietnam share") and f"## 1. {VIETNAM}" in text
    assert "> Data shows that the goods imported and exported from Vietnam" in text and "2022-09-16" in text
    assert "(https://www.ichongqing.info/" in text
    page.click("#delete-conv")
    page.click("#confirm-delete")
    page.wait_for_function(
        "() => !document.querySelector('#conversations').innerText.includes('Vietnam share')", timeout=TIMEOUT_MS
    )
    # "New chat" is remembered too: a reload after it does not bring back an earlier conversation.
    ask(page, "Who founded Osell?", 1)
    wait_saved(page, "Who founded Osell?", 1)
    page.click("#new-chat")
    page.wait_for_function("() => !document.querySelector('#chat [data-testid=bot]')", timeout=TIMEOUT_MS)
    page.reload(wait_until="load")
    page.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => document.querySelector('#conversations').innerText.includes('Who founded Osell?')", timeout=TIMEOUT_MS
    )  # the page has loaded its conversations ...
    assert page.locator("#chat [data-testid='bot']").count() == 0  # ... and shows the new, empty one
    assert "1 source: iChongqing" in page.inner_text("#chat")


SMALL_TARGETS_JS = """() => [...document.querySelectorAll(
    'button, a.cite, summary, [role=tab], input[type=radio], input[type=checkbox], input[type=number], input[type=range]'
    )].filter(e => {
      const r = e.getBoundingClientRect(), s = getComputedStyle(e);
      if (!r.width || !r.height || e.offsetParent === null || s.visibility === 'hidden') return false;
      if (e.matches('[type=radio], [type=checkbox]')) return e.closest('label').getBoundingClientRect().height < 44;  // the label is the target
      return e.matches('a.cite') ? (r.height < 24 || r.width < 24) : (r.height < 44 || r.width < 44);
    }).map(e => { const t = e.matches('[type=radio], [type=checkbox]') ? e.closest('label') : e, r = t.getBoundingClientRect();
                  return [t.innerText || t.getAttribute('aria-label'), Math.round(r.width), Math.round(r.height)]; })"""


SETTLED_JS = """() => Promise.all(document.getAnimations()
    .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity).map(a => a.finished.catch(() => null)))"""


def check_view(page, name: str) -> float:
    """Every visible text at least 4.5:1 and every tap target at least 44 px (an inline [n] 24 px, WCAG 2.5.8)
    in what the page shows now; returns the smallest contrast."""
    page.evaluate(SETTLED_JS)  # colours mid-transition (a theme switch, a flashed card) are not what stays
    texts = page.evaluate(CONTRAST_JS)
    assert texts, f"no text measured in {name}"
    low = [t for t in texts if t["ratio"] < 4.5]
    assert not low, f"text below 4.5:1 in {name}: {low[:8]}"
    small = page.evaluate(SMALL_TARGETS_JS)
    assert not small, f"tap targets under 44 px in {name}: {small[:8]}"
    return min(t["ratio"] for t in texts)


def inside_viewport(page, selector: str) -> bool:
    box, view = page.locator(selector).bounding_box(), page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= view["height"]
        and box["x"] >= 0
        and (box["x"] + box["width"] <= view["width"])
    )


@pytest.mark.browser
@pytest.mark.parametrize(
    ("viewport", "scheme"), [(DESKTOP, "light"), (DESKTOP, "dark"), (PHONE, "light"), (PHONE, "dark")]
)
def test_layout_contrast_and_tap_targets(chromium, server, artifacts, viewport, scheme):
    phone = viewport is PHONE
    name = f"{'phone' if phone else 'desktop'}-{scheme}"
    page = open_page(chromium, server, viewport, scheme)
    try:
        page.click("#new-chat")
        assert "Nothing was looked up" not in page.inner_text("#chat")
        ask(page, "And what about Laos?", 1)  # a question back (info notice), not an abstention
        assert page.locator("#chat .info-badge").inner_text() == "Needs a complete question"
        ask(page, VIETNAM, 2)
        if phone:  # the answer's sources are right under it, not below a fixed-height box
            assert inside_viewport(page, "#chat .turn-1 details.answer-sources summary"), "sources below the fold"
        ask(page, MALAYSIA, 3)
        ask(page, "", 4)
        assert page.locator("#chat .abstain-badge").count() == 1 and page.locator("#chat .info-badge").count() == 1
        if phone:
            wait_chat_settled(page)
            page.locator("#chat .turn-1 details.answer-sources summary").click()
            page.locator("#chat .turn-1 a.cite").first.click()
            page.wait_for_selector("#bubble-src-1-1.flash", timeout=5000)
            in_view = """() => { const r = document.querySelector('#bubble-src-1-1 mark').getBoundingClientRect();
                return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; }"""
            page.wait_for_function(in_view, timeout=5000)  # the quote is scrolled into view
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no horizontal scroll
            box = page.locator("#question").bounding_box()
            assert box["width"] >= PHONE["width"] - 24, box  # full width (8 px page padding aside)
            send = page.locator("#question button.submit-button").bounding_box()
            assert box["x"] < send["x"] and send["x"] + send["width"] <= box["x"] + box["width"], (box, send)  # inside
            assert inside_viewport(page, "#question")  # the whole input, send button included, without scrolling
            assert page.locator("#sources-col").is_hidden()
            header, new_chat = (
                page.locator("#corridor-header h1").bounding_box(),
                page.locator("#new-chat").bounding_box(),
            )
            assert new_chat["y"] < header["y"] + header["height"] and header["y"] < new_chat["y"] + new_chat["height"]
            assert new_chat["y"] + new_chat["height"] < 100  # "New chat" in the header, on the header's line
            toggle = page.locator("button[aria-label='Toggle Sidebar']").bounding_box()
            assert toggle["x"] + toggle["width"] <= header["x"], (toggle, header)  # the sidebar toggle covers nothing
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=False)
        question_width = page.locator("#question").bounding_box()["width"]
        smallest = [check_view(page, name)]
        sizes = page.evaluate(
            """() => ['#question button.submit-button', '#new-chat', "#chat button[aria-label='Like']"].map(s => {
                 const r = document.querySelector(s).getBoundingClientRect(); return [s, Math.round(r.width), Math.round(r.height)]; })"""
        )
        assert all(w >= 44 and h >= 44 for _, w, h in sizes), sizes
        label = page.evaluate("document.querySelector('#question textarea').getAttribute('aria-label')")
        assert label == "Your question about the corridor"
        assert page.locator("#sources .sources[aria-live=polite]").count() == 1

        # "Open full source": from the panel on a desktop, from the card under the answer on a phone
        if not phone:
            page.locator("#chat .turn-1 a.cite").first.click()  # the panel shows that answer's sources again
            page.wait_for_selector("#src-1-1.flash", timeout=5000)
        page.locator("#bubble-src-1-1 .open-source" if phone else "#src-1-1 .open-source").click()
        page.locator("#viewer #viewer-mark").wait_for(timeout=TIMEOUT_MS)
        page.wait_for_function(
            """() => { const r = document.querySelector('#viewer-mark').getBoundingClientRect();
                return r.top >= 0 && r.bottom <= innerHeight; }""",
            timeout=5000,
        )  # scrolled to the quote
        assert "62%" in page.inner_text("#viewer-mark") and "Osell" in page.inner_text("#viewer")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(artifacts / f"{name}-full-source.png"), full_page=False)
        smallest.append(check_view(page, f"{name} full source"))
        page.click("#close-viewer")
        page.wait_for_selector("#viewer-box", state="hidden", timeout=TIMEOUT_MS)

        page.click("button[aria-label='Toggle Sidebar']")  # conversations and settings
        page.locator("#conversations").wait_for(state="visible", timeout=TIMEOUT_MS)
        page.wait_for_timeout(500)  # the sidebar slides in
        page.screenshot(path=str(artifacts / f"{name}-sidebar.png"), full_page=False)
        smallest.append(check_view(page, f"{name} sidebar"))
        page.click("button[aria-label='Toggle Sidebar']")
        page.wait_for_timeout(500)

        page.get_by_role("tab", name="Sources").click()
        page.locator("#sources-list table").wait_for(timeout=TIMEOUT_MS)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(artifacts / f"{name}-sources.png"), full_page=True)
        smallest.append(check_view(page, f"{name} sources tab"))
        print(
            name,
            "tap targets:",
            sizes,
            "question box width:",
            question_width,
            "smallest contrast:",
            min(smallest),
        )
    finally:
        page.close()


# -- sources tab: upload, ask, remove, refuse -------------------------------------------------------
@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    """A server with browser uploads on (loopback, no sign-in, --allow-upload) on its own data dir."""
    from assistant import Assistant

    asst = Assistant(data_dir=tmp_path_factory.mktemp("ui-admin-data")).warm_up()
    app = serve(asst, port=free_port(), options=ServeOptions(upload_enabled=True))
    yield app.local_url, asst
    app.close()


def make_pdf(path: Path, text: str) -> None:
    """A one-page PDF with a real text layer (no PDF library needed to write one)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


@pytest.mark.browser
@pytest.mark.slow
def test_upload_markdown_and_pdf_ask_remove_and_refuse(chromium, admin_server, tmp_path, artifacts):
    url, asst = admin_server
    md = tmp_path / "tea-trains.md"
    md.write_text(
        "---\ntitle: Tea trains\npublished: 2024-03-01\n---\n\n"
        "The corridor carried 1,234 tonnes of Pu'er tea from Yunnan to Laos in 2023.\n",
        encoding="utf-8",
    )
    pdf = tmp_path / "durian-report.pdf"
    make_pdf(pdf, "In 2024 the corridor moved 5,678 tonnes of durian from Thailand to Chongqing.")
    bad = tmp_path / "empty.txt"
    bad.write_text("   \n", encoding="utf-8")

    page = open_page(chromium, url)
    try:
        page.get_by_role("tab", name="Sources").click()
        wait_text(page, "#sources-list", "1 source: iChongqing")  # once the page has loaded its sources
        page.set_input_files("#upload input[type=file]", [str(md), str(pdf), str(bad)])
        page.wait_for_function(
            "() => document.querySelector('#upload-status').innerText.includes('added')", timeout=TIMEOUT_MS * 2
        )
        status = page.inner_text("#upload-status")
        assert "2 added or updated" in status and "Refused: empty.txt" in status
        listing = page.inner_text("#sources-list")
        assert "3 sources, newest 2024-03-01" in listing and "Tea trains" in listing
        page.screenshot(path=str(artifacts / "desktop-light-upload.png"))
        check_view(page, "upload status, light")  # the ok and error status lines, in both themes
        page.evaluate("document.body.classList.add('dark')")  # what ?__theme=dark sets
        check_view(page, "upload status, dark")
        page.screenshot(path=str(artifacts / "desktop-dark-upload.png"))
        page.evaluate("document.body.classList.remove('dark')")

        page.get_by_role("tab", name="Chat").click()
        page.click("#new-chat")
        assert "1,234 tonnes" in ask(page, "How much Pu'er tea did the corridor carry in 2023?", 1)
        assert "5,678" in ask(page, "How many tonnes of durian did the corridor move in 2024?", 2)

        page.get_by_role("tab", name="Sources").click()
        tea = next(s for s in asst.sources() if s.title == "Tea trains")
        page.click("#remove-choice input")
        page.get_by_role("option", name=f"Tea trains ({tea.published})").click()
        page.click("#remove-btn")
        page.click("#confirm-remove")
        page.wait_for_function(
            "() => document.querySelector('#upload-status').innerText.includes('Removed')", timeout=TIMEOUT_MS
        )
        assert "Tea trains" not in page.inner_text("#sources-list")
        assert tea.id not in {s.id for s in asst.sources()}
        uploads = Path(asst.settings.data_dir) / "uploads"
        assert sorted(p.name for p in uploads.iterdir()) == ["durian-report.pdf"]  # nothing else kept
    finally:
        page.close()


@pytest.mark.browser
def test_upload_is_refused_without_admin(chromium, server):
    page = open_page(chromium, server)
    try:
        page.get_by_role("tab", name="Sources").click()
        wait_text(page, "#sources-list", "1 source: iChongqing")  # once the page has loaded its sources
        assert "Adding documents from the browser is off" in page.inner_text("#manage-note")
        assert page.locator("#upload input[type=file]").count() == 0
        status = page.evaluate(
            """async () => { const f = new FormData(); f.append('files', new Blob(['# x']), 'x.md');
               return (await fetch('gradio_api/upload', {method: 'POST', body: f})).status; }"""
        )
        assert status == 403
    finally:
        page.close()


@pytest.mark.slow
def test_api_answers_twenty_simultaneous_questions(server):
    from gradio_client import Client

    cases = [
        (VIETNAM, "62%"),
        ("How many ports has the corridor reached?", "335"),
        ("Who founded Osell?", "Feng Jianfeng"),
        ("What was the corridor's 2021 development index?", "112.9"),
    ] * 5

    def ask_api(case):
        question, expected = case
        return expected, Client(server, verbose=False).predict(question, api_name="/ask")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(ask_api, cases))
    assert len(results) == 20
    for expected, result in results:
        assert expected in result["text"] and result["citations"] and not result["abstained"]
