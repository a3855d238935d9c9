"""The web chat for real: the app served on 127.0.0.1, driven in Debian's Chromium, and its API
called through gradio_client."""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ui.app import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIETNAM = "What share of the corridor's trade value comes from Vietnam?"
MALAYSIA = "What share of the corridor's trade comes from Malaysia?"
TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def feedback_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ui-feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def server(assistant, feedback_path):
    """The app as `corridor serve` runs it (queue, CSS, theme), in this process, on a free port."""
    app = serve(assistant, host="127.0.0.1", port=free_port(), feedback_path=feedback_path)
    yield app.local_url
    app.close()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="corridor-chromium-") as profile:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 860},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser, server):
    page = browser.new_page()
    page.goto(server, wait_until="load")
    page.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
    yield page
    page.close()


def ask(page, question: str, n: int) -> str:
    """Type and send a question; wait for the n-th assistant message to be complete; return its text."""
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    return wait_reply(page, n)


def wait_reply(page, n: int) -> str:
    bots = page.locator("#chat [data-testid='bot']")
    bots.nth(n - 1).wait_for(timeout=TIMEOUT_MS)
    # streaming is done when the page is no longer pending and the text stops changing
    page.wait_for_function(
        "() => !document.querySelector('#chat .pending, #chat [aria-busy=true], #sources .sources-empty')",
        timeout=TIMEOUT_MS,
    )
    last, text = None, bots.nth(n - 1).inner_text()
    deadline = time.monotonic() + 10
    while text != last and time.monotonic() < deadline:
        time.sleep(0.3)
        last, text = text, bots.nth(n - 1).inner_text()
    return text


def feedback_lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.mark.browser
def test_answer_with_sources_follow_up_and_vote(page, assistant, artifacts, feedback_path):
    assert page.locator("h1").inner_text() == "Corridor Assistant"
    assert "with sources you can check" in page.inner_text("#corridor-header")
    assert "offline" in page.inner_text("#corridor-footer")

    first = ask(page, VIETNAM, 1)
    assert "62%" in first and "[1]" in first
    source = page.locator("#sources .source").first
    assert "[1]" in source.inner_text() and "iChongqing" in source.inner_text()
    assert "62%" in source.locator("mark").inner_text()
    page.screenshot(path=str(artifacts / "ui-answer.png"))

    expected = assistant.ask("And Indonesia?", history=[(VIETNAM, first.strip())]).text
    second = ask(page, "And Indonesia?", 2)
    assert second.strip().endswith(expected.split()[-1])
    if "12%" in expected or "12 percent" in expected:  # follow-up resolution is the API's job: check it when it works
        assert "12" in second
    page.screenshot(path=str(artifacts / "ui-follow-up.png"))

    page.locator("#chat [data-testid='bot']").first.hover()
    page.locator("#chat button[aria-label='Like']").first.click()
    deadline = time.monotonic() + 10
    while not feedback_lines(feedback_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    (vote,) = feedback_lines(feedback_path)
    assert vote["vote"] == "up" and vote["question"] == VIETNAM and "62%" in vote["answer"]
    assert vote["citations"][0]["n"] == 1 and vote["time"]


@pytest.mark.browser
def test_abstention_looks_different_and_cites_nothing(page, artifacts):
    reply = ask(page, MALAYSIA, 1)
    assert reply.startswith("Not in the sources") and "can't find" in reply
    assert page.locator("#chat .abstain-badge").is_visible()
    assert page.locator("#sources .notice-abstain").is_visible()
    assert page.locator("#sources .source").count() == 0
    page.screenshot(path=str(artifacts / "ui-abstain.png"))


@pytest.mark.browser
def test_injected_markup_shows_as_text_and_runs_nothing(page, artifacts):
    question = 'Ports <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>?'
    ask(page, question, 1)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#chat img, #chat script, #sources img, #sources script").count() == 0
    assert question in page.locator("#chat [data-testid='user']").first.inner_text()
    page.screenshot(path=str(artifacts / "ui-xss.png"))


@pytest.mark.browser
def test_example_click_and_new_chat(page, artifacts):
    page.screenshot(path=str(artifacts / "ui-start.png"))
    page.locator("#chat").get_by_text("Who founded Osell?").click()
    assert "Feng Jianfeng" in wait_reply(page, 1)
    page.click("#new-chat")
    page.wait_for_function("() => !document.querySelector('#chat [data-testid=bot]')", timeout=TIMEOUT_MS)
    assert page.locator("#sources .source").count() == 0
    assert "Each answer quotes its sources" in page.inner_text("#sources")


@pytest.mark.slow
def test_api_answers_twenty_simultaneous_questions(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
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

    _, messages, sources_html = client.predict(VIETNAM, api_name="/chat")  # the chat endpoint too
    content = messages[-1]["content"]  # gradio hands back message content as a list of parts
    assert "62%" in (content if isinstance(content, str) else content[0]["text"]) and "<mark>" in sources_html
