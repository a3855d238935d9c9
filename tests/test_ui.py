"""The web chat's handlers, without a server: streaming, sources panel, abstention, feedback, refusals."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest

from assistant.types import Answer, Citation
from ui.app import EXAMPLES, answer_dict, build_app, history, record_vote, respond
from ui.feedback import FeedbackLog
from ui.render import question_bubble, safe_url, sources_panel

VIETNAM = "What share of the corridor's trade value comes from Vietnam?"
MALAYSIA = "What share of the corridor's trade comes from Malaysia?"
XSS = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'


def chat(assistant, message, turns=None):
    return list(respond(assistant, message, turns, pace=0))


def last_reply(update) -> str:
    messages = update[0]
    assert messages[-1]["role"] == "assistant"
    return messages[-1]["content"]


def test_import_ui_does_not_load_gradio():
    code = "import sys, ui; assert 'gradio' not in sys.modules, 'gradio imported eagerly'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_gradio_names_the_extra(monkeypatch, assistant):
    monkeypatch.setitem(sys.modules, "gradio", None)  # makes `import gradio` raise ImportError
    with pytest.raises(ImportError, match=r"pip install 'corridor-assistant\[ui\]'"):
        build_app(assistant)


def test_answer_streams_as_growing_text_and_ends_with_the_full_answer(assistant):
    updates = chat(assistant, VIETNAM)
    first_messages, first_panel, _ = updates[0]
    assert first_messages == [{"role": "user", "content": question_bubble(VIETNAM)}]
    assert "Searching" in first_panel

    replies = [last_reply(u) for u in updates[1:]]
    assert len(replies) >= 3, "the answer should appear progressively"
    assert all(len(a) < len(b) and b.startswith(a) for a, b in zip(replies, replies[1:], strict=False))

    expected = assistant.ask(VIETNAM).text
    messages, panel, turns = updates[-1]
    assert "62%" in replies[-1] and replies[-1].endswith("[1]")
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert turns == [
        {"question": VIETNAM, "reply": replies[-1], "answer": turns[0]["answer"], "error": ""},
    ]
    assert turns[0]["answer"]["text"] == expected and not turns[0]["answer"]["abstained"]
    assert panel.count('class="source"') == 1 and "<mark>" in panel and "iChongqing" in panel


def test_follow_up_passes_the_conversation_as_history(assistant):
    seen = []

    class Spy:
        def ask(self, question, history=None):
            seen.append(list(history or []))
            return assistant.ask(question, history=history)

        def ask_stream(self, question, history=None):  # what the chat calls
            yield self.ask(question, history)

    turns = chat(Spy(), VIETNAM)[-1][2]
    turns = chat(Spy(), "", turns)[-1][2]  # refused, so left out of the history
    messages, _, turns = chat(Spy(), "And Indonesia?", turns)[-1]
    first = (VIETNAM, turns[0]["answer"]["text"])
    assert seen == [[], [first], [first]]
    assert history(turns) == [(VIETNAM, turns[0]["answer"]["text"]), ("And Indonesia?", turns[2]["answer"]["text"])]
    assert len(messages) == 6


def test_sources_panel_escapes_everything_from_a_source():
    context = f"Before {XSS} after, with <b>bold</b> words."
    quote = XSS
    evil = Citation(
        n=1,
        source="evil",
        title="<script>alert('title')</script>Port news",
        published="2024-01-01",
        url="javascript:alert(1)",
        quote=quote,
        score=1.0,
        publisher='<img src=x onerror="alert(2)">',
        context=context,
        quote_offset=context.index(quote),
    )
    linked = Citation(
        n=2,
        source="ok",
        title="Ports & rail",
        published="",
        url="https://example.org/a?b=1&c=<x>",
        quote="Ports.",
        score=1.0,
    )
    panel = sources_panel(Answer(question="q", text="t [1] [2]", abstained=False, citations=[evil, linked]))
    for raw in ("<script", "<img", "<b>", "javascript:", 'onerror="'):
        assert raw not in panel
    assert "<mark>&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt; &lt;script&gt;" in panel
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;Port news" in panel
    assert '<a href="https://example.org/a?b=1&amp;c=&lt;x&gt;"' in panel and "Ports &amp; rail" in panel
    assert "<mark>Ports.</mark>" in panel  # no context: the quote alone, highlighted


def test_only_http_links():
    assert safe_url("https://example.org/x") == "https://example.org/x"
    assert safe_url(" HTTP://example.org ") == "HTTP://example.org"
    for bad in ("javascript:alert(1)", "data:text/html,<script>", "file:///etc/passwd", "//evil.example", ""):
        assert safe_url(bad) is None


def test_long_passage_is_trimmed_around_the_quote():
    quote = "The corridor reached 335 ports."
    context = "word " * 300 + quote + " tail" * 300
    c = Citation(n=1, source="s", title="T", published="", url="", quote=quote, score=1.0, context=context)
    panel = sources_panel(Answer(question="q", text="t [1]", abstained=False, citations=[c]))
    assert f"<mark>{quote}</mark>" in panel and panel.count("…") == 2 and len(panel) < 1200


def test_questions_and_answers_in_the_chat_are_escaped(assistant):
    messages, _, turns = chat(assistant, f"What about {XSS}?")[-1]
    for message in messages:
        assert "<img" not in message["content"] and "<script" not in message["content"]
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in messages[0]["content"]
    assert turns[0]["question"] == f"What about {XSS}?"  # the assistant gets the raw text


def test_abstained_answer_has_a_distinct_notice_and_no_sources(assistant):
    messages, panel, turns = chat(assistant, MALAYSIA)[-1]
    assert turns[0]["answer"]["abstained"] and turns[0]["answer"]["citations"] == []
    assert 'class="abstain-badge">Not in the sources</span>' in messages[-1]["content"]
    assert "notice-abstain" in panel and 'class="source"' not in panel

    grounded, grounded_panel, _ = chat(assistant, VIETNAM)[-1]
    assert "abstain-badge" not in grounded[-1]["content"] and "notice" not in grounded_panel


@pytest.mark.parametrize("question", ["", "   ", None])
def test_empty_question_is_refused_politely(assistant, question):
    messages, panel, turns = chat(assistant, question)[-1]
    assert messages[-1]["content"].startswith('<span class="refusal">Sorry, I can')
    assert "empty" in messages[-1]["content"] and "Traceback" not in messages[-1]["content"]
    assert turns[-1]["answer"] is None and "notice-refusal" in panel


def test_long_question_is_refused_politely_and_echoed_short(assistant):
    limit = assistant.settings.max_question_chars
    long_question = "Which ports does the corridor serve? " * (limit // 30)
    messages, panel, turns = chat(assistant, long_question)[-1]
    assert f"the limit is {limit:,}" in messages[-1]["content"] and "Sorry" in messages[-1]["content"]
    assert len(messages[0]["content"]) < 600 and f"{len(long_question.strip()):,} characters" in messages[0]["content"]
    assert history(turns) == []


def test_vote_appends_one_json_line_with_question_answer_citations(assistant, tmp_path):
    turns = chat(assistant, VIETNAM)[-1][2]
    turns = chat(assistant, MALAYSIA, turns)[-1][2]
    log = FeedbackLog(tmp_path / "votes" / "feedback.jsonl")

    assert record_vote(log, turns, 1, True)["vote"] == "up"
    assert record_vote(log, turns, 3, "Dislike")["vote"] == "down"
    assert record_vote(log, turns, 0, True) is None  # a user message
    assert record_vote(log, turns, 9, True) is None  # out of range
    assert record_vote(log, turns, 1, None) is None  # a vote taken back

    lines = (tmp_path / "votes" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    up, down = (json.loads(line) for line in lines)
    assert {"question", "answer", "citations", "vote", "time"} <= up.keys()
    assert up["question"] == VIETNAM and "62%" in up["answer"] and up["vote"] == "up"
    assert up["citations"][0]["n"] == 1 and up["citations"][0]["quote"]
    assert down["question"] == MALAYSIA and down["abstained"] and down["citations"] == []
    assert datetime.fromisoformat(up["time"]).utcoffset() == UTC.utcoffset(None)


def test_concurrent_votes_never_interleave(tmp_path):
    path = tmp_path / "feedback.jsonl"

    def vote(i):
        log = FeedbackLog(path)  # separate objects on one file share the lock
        for j in range(25):
            log.record(question=f"q{i}-{j}" * 50, answer="a" * 2000, citations=[{"n": 1}], vote="up")

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = FeedbackLog(path).read()
    assert len(entries) == 200 and len({e["question"] for e in entries}) == 200


def test_ask_endpoint_returns_the_answer_dict(assistant):
    result = answer_dict(assistant, "Who founded Osell?")
    json.dumps(result)
    assert "Feng Jianfeng" in result["text"] and result["citations"][0]["quote"]
    assert result["abstained"] is False


def test_build_app_returns_blocks_with_chat_and_ask_endpoints(assistant, tmp_path):
    import gradio as gr

    app = build_app(assistant, feedback_path=tmp_path / "feedback.jsonl")
    assert isinstance(app, gr.Blocks)
    api_names = {fn.api_name for fn in app.fns.values()}
    assert {"chat", "ask"} <= api_names
    examples = next(b for b in app.blocks.values() if isinstance(b, gr.Chatbot)).examples
    assert [e["text"] for e in examples] == EXAMPLES
