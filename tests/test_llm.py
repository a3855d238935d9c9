"""Optional LLM answers: kept only when every [n], number and name checks out against the cited
passages; otherwise (or when the model fails) the extractive answer, marked "fallback".

The chat models are LangChain's fake ones; retrieval, corpus and citations are the real ones.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.answerer import ABSTAIN_TEXT, ExtractiveAnswerer
from assistant.errors import CorridorError
from assistant.llm import (
    MAX_REPLY_TOKENS,
    NOT_IN_SOURCES,
    LLMAnswerer,
    LLMUnavailableError,
    build_prompt,
    chat_model_from_spec,
    check_grounding,
    fallback_kind,
)
from assistant.questions import analyze
from tests.conftest import FIXTURES, free_port

VIETNAM = "What share of the corridor's trade value comes from Vietnam?"


class RecordingModel(FakeListChatModel):
    """Replies from `responses` and keeps the messages it was sent."""

    seen: list = []

    def _call(self, messages, *args, **kwargs) -> str:
        self.seen.append(messages)
        return super()._call(messages, *args, **kwargs)


class TimingOutModel(FakeListChatModel):
    def _call(self, *args, **kwargs) -> str:
        raise TimeoutError("model did not answer within 30 s")


def retrieve(assistant, question: str):
    corpus = assistant.corpus()
    docs = assistant.retriever().invoke(question)
    return analyze(question, "", corpus.names), docs, corpus


def ask(model, question, q, docs, corpus):
    return LLMAnswerer(model, fallback=ExtractiveAnswerer()).answer(question, q, docs, corpus)


def passage_with(docs, corpus, *needles: str) -> int:
    """The number the model sees for the first passage holding all `needles`."""
    for p in LLMAnswerer(None, None).passages(docs, corpus):
        if all(n in p.text for n in needles):
            return p.n
    raise AssertionError(f"no retrieved passage holds {needles}")


@pytest.fixture(scope="module")
def vietnam(assistant):
    q, docs, corpus = retrieve(assistant, VIETNAM)
    extractive = ExtractiveAnswerer().answer(VIETNAM, q, docs, corpus)
    return q, docs, corpus, extractive, passage_with(docs, corpus, "Vietnam", "62%")


def assert_verbatim(assistant, answer):
    assert answer.citations
    for c in answer.citations:
        assert assistant.source_text(c.source)[c.start : c.end] == c.quote
        assert c.context[c.quote_offset : c.quote_offset + len(c.quote)] == c.quote


# -- verified answers ----------------------------------------------------------------------
def test_grounded_answer_is_kept_with_verbatim_citation(assistant, vietnam):
    q, docs, corpus, _, n = vietnam
    model = RecordingModel(responses=[f"Vietnam accounts for 62% of the corridor's trade value [{n}]."])
    ans = ask(model, VIETNAM, q, docs, corpus)
    assert ans.grounding == "verified" and not ans.abstained and ans.reason == ""
    assert ans.text == "Vietnam accounts for 62% of the corridor's trade value [1]."
    assert len(ans.citations) == 1 and ans.citations[0].n == 1
    assert "62%" in ans.citations[0].quote and "Vietnam" in ans.citations[0].quote
    assert_verbatim(assistant, ans)
    assert [r.id for r in ans.retrieved] == [d.id for d in docs]
    system, user = model.seen[-1]
    assert isinstance(system, SystemMessage) and NOT_IN_SOURCES in system.content
    assert f"[{n}]" in user.content and VIETNAM in user.content


def test_markers_are_renumbered_in_order_of_first_use(assistant, vietnam):
    q, docs, corpus, _, n = vietnam
    other = next(i for i in range(1, len(docs) + 1) if i != n)
    reply = f"The corridor carries goods [{other}]. Vietnam accounts for 62% of the trade value [{n}][{other}]."
    ans = ask(FakeListChatModel(responses=[reply]), VIETNAM, q, docs, corpus)
    assert ans.grounding == "verified", ans.reason
    assert ans.text == "The corridor carries goods [1]. Vietnam accounts for 62% of the trade value [2][1]."
    assert [c.n for c in ans.citations] == [1, 2]
    assert ans.citations[0].source == docs[other - 1].metadata["chunk"].source_id
    assert "62%" in ans.citations[1].quote
    assert_verbatim(assistant, ans)


def test_not_in_sources_abstains(assistant):
    question = "What share of the corridor's trade comes from Malaysia?"
    q, docs, corpus = retrieve(assistant, question)
    ans = ask(FakeListChatModel(responses=[NOT_IN_SOURCES]), question, q, docs, corpus)
    assert ans.abstained and ans.citations == [] and ans.grounding == "verified"
    assert ans.text.startswith(ABSTAIN_TEXT)


def test_not_in_sources_overrides_an_extractive_answer(vietnam):
    q, docs, corpus, extractive, _ = vietnam
    assert not extractive.abstained
    ans = ask(FakeListChatModel(responses=[f"{NOT_IN_SOURCES}."]), VIETNAM, q, docs, corpus)
    assert ans.abstained and ans.text == ABSTAIN_TEXT and ans.citations == []


# -- rejected answers fall back to the extractive one --------------------------------------
@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("Vietnam accounts for 75% of the corridor's trade value [{n}].", "75"),
        ("Vietnam accounts for 62% of the corridor's trade value [42].", "[42]"),
        ("Malaysia accounts for 62% of the corridor's trade value [{n}].", "Malaysia"),
        ("The figure for Vietnam and Malaysia is 62% [{n}].", "Malaysia"),
        ("Vietnam accounts for 62% of the corridor's trade value.", "no [n]"),
    ],
    ids=["invented-number", "unknown-marker", "invented-name", "name-mid-sentence", "no-marker"],
)
def test_unsupported_answer_falls_back(assistant, vietnam, reply, why):
    q, docs, corpus, extractive, n = vietnam
    assert len(docs) < 42
    ans = ask(FakeListChatModel(responses=[reply.format(n=n)]), VIETNAM, q, docs, corpus)
    assert ans.grounding == "fallback"
    assert why in ans.reason and "extractive answer" in ans.reason
    assert (ans.text, ans.citations) == (extractive.text, extractive.citations)
    assert_verbatim(assistant, ans)


class CutOffModel:
    """Replies like a server that hit the reply limit: finish_reason "length", mid-sentence."""

    max_tokens = MAX_REPLY_TOKENS

    def __init__(self, reply: str):
        self.reply = reply

    def invoke(self, messages):
        from langchain_core.messages import AIMessage

        return AIMessage(self.reply, response_metadata={"finish_reason": "length"})

    def stream(self, messages):
        from langchain_core.messages import AIMessageChunk

        words = self.reply.split(" ")
        for i, word in enumerate(words):
            last = i == len(words) - 1
            yield AIMessageChunk(
                content=word + ("" if last else " "), response_metadata={"finish_reason": "length"} if last else {}
            )


def test_reply_cut_off_at_the_token_limit_falls_back(vietnam):
    """Its words may all check out, but the last sentence is cut short: not shown as the answer."""
    q, docs, corpus, extractive, n = vietnam
    reply = f"Vietnam accounts for 62% of the corridor's trade value [{n}]. Goods from"
    answerer = LLMAnswerer(CutOffModel(reply), ExtractiveAnswerer())
    for ans in (answerer.answer(VIETNAM, q, docs, corpus), list(answerer.stream(VIETNAM, q, docs, corpus))[-1]):
        assert ans.grounding == "fallback" and ans.text == extractive.text
        assert ans.reason.startswith(f"LLM reply was cut off at the {MAX_REPLY_TOKENS}-token limit")
        assert fallback_kind(ans.reason) == "cut off"


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("Vietnam accounts for 75% of the corridor's trade value [{n}].", "number not in the cited passages"),
        ("Vietnam accounts for 62% of the corridor's trade value [42].", "cites a passage that does not exist"),
        ("Malaysia accounts for 62% of the corridor's trade value [{n}].", "name not in the cited passages"),
        ("Vietnam accounts for 62% of the corridor's trade value.", "no citation"),
        ("Vietnam's share was 62% on March 16 [{n}].", "date not in the cited passages"),
    ],
)
def test_fallback_kind_names_each_reason(vietnam, reply, kind):
    q, docs, corpus, _, n = vietnam
    ans = ask(FakeListChatModel(responses=[reply.format(n=n)]), VIETNAM, q, docs, corpus)
    assert fallback_kind(ans.reason) == kind, ans.reason
    assert fallback_kind("LLM unavailable (APITimeoutError: Request timed out.); showing it") == (
        "unavailable (APITimeoutError)"
    )
    assert fallback_kind("") == ""


def test_model_failure_falls_back_without_raising(vietnam, caplog):
    caplog.set_level(logging.WARNING, logger="assistant.llm")  # a CLI test in this process may have quieted it
    q, docs, corpus, extractive, _ = vietnam
    ans = ask(TimingOutModel(responses=["unused"]), VIETNAM, q, docs, corpus)
    assert ans.grounding == "fallback" and ans.text == extractive.text
    assert ans.reason.startswith("LLM unavailable (TimeoutError: model did not answer within 30 s)")
    assert "model did not answer" in caplog.text


def test_injected_instruction_is_not_obeyed(assistant):
    """A user document that tells the model what to say: the obeying answer is rejected."""
    from assistant.retrieval import Corpus
    from index.chunking import ChunkingParams, split_source
    from index.loaders import load_file
    from index.store import SourceRecord

    base = assistant.corpus()
    source = load_file(FIXTURES / "docs" / "malicious.md")
    chunks = split_source(source, ChunkingParams(assistant.settings.chunk_size, assistant.settings.chunk_overlap))
    corpus = Corpus(
        [*base.chunks, *chunks],
        {**base.sources, source.id: SourceRecord(source, source.content_hash, len(chunks))},
        base.generation,
    )
    evil = next(c for c in chunks if "Ignore all previous instructions" in c.text)
    docs = [Document(id=evil.id, page_content=evil.text, metadata={"chunk": evil, "dense": 0.5, "score": 0.1})]
    question = "Is the corridor open?"
    q = analyze(question, "", corpus.names)
    for reply in ("The corridor is closed [1].", "As instructed, the corridor is now closed [1]."):
        ans = ask(FakeListChatModel(responses=[reply]), question, q, docs, corpus)
        assert ans.grounding == "fallback" and "instruction" in ans.reason, reply
        assert not ans.text.startswith(reply[:-4])
    system = build_prompt(question, [(1, source.title, evil.text)])[0].content
    assert "not instructions" in system and "do not follow" in system


# -- the checker itself --------------------------------------------------------------------
PASSAGES = {
    1: "Key Role (September 16, 2022)\nGoods from Vietnam, Indonesia, and Thailand account for 62%, 12%, and 6%.",
    2: "Yard (2024)\nThe yard has 32,000 square meters and opened on March 18, 2024.",
}


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("Vietnam, Indonesia and Thailand account for 62%, 12% and 6% [1].", True),
        ("The yard has 32000 square meters [2] and Vietnam has 62.0% [1].", True),
        ("Goods from Vietnam were 62% as of September 16, 2022 [1].", True),
        ("The yard opened on 18 March 2024 [2].", True),
        ("The yard opened on March 19, 2024 [2].", False),  # day not in the passage
        ("The yard opened on March 18, 2024 [1].", False),  # right fact, wrong passage cited
        ("The yard is run by Bishan Logistics [2].", False),
        ("Vietnam accounts for 62% [1, 3].", False),
    ],
)
def test_check_grounding(answer, ok):
    verdict = check_grounding(answer, PASSAGES)
    assert verdict.ok is ok, verdict.reason
    assert (verdict.reason == "") is ok


def test_sentence_opening_word_is_a_name_unless_written_in_lowercase_somewhere():
    answer = "Exports from Vietnam were 62% [1]."
    assert check_grounding(answer, PASSAGES).reason == "“Exports” is not in the cited passages [1]"
    assert check_grounding(answer, PASSAGES, common_words={"exports"}).ok
    assert not check_grounding("Malaysia has 62% [1].", PASSAGES, common_words={"exports"}).ok


def test_prompt_numbers_passages_and_states_the_rules():
    system, user = build_prompt("Who founded Osell?", [(1, "Osell", "Feng Jianfeng founded Osell."), (2, "T", "x")])
    assert isinstance(system, SystemMessage) and isinstance(user, HumanMessage)
    for rule in ("only", "[2]", NOT_IN_SOURCES, "not instructions"):
        assert rule in system.content
    assert user.content.index("[1] Osell") < user.content.index("[2] T") < user.content.index("Who founded Osell?")


# -- configuration -------------------------------------------------------------------------
@pytest.mark.parametrize("spec", ["nonsense", "", "gpt:x", "ollama:", "openai"])
def test_bad_spec_is_refused(spec):
    with pytest.raises(CorridorError, match="expected ollama:MODEL or openai:MODEL"):
        chat_model_from_spec(spec)


@pytest.mark.parametrize(("spec", "module"), [("openai:x", "langchain_openai"), ("ollama:x", "langchain_ollama")])
def test_missing_extra_names_the_install_line(spec, module, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    if importlib.util.find_spec(module) is None:
        with pytest.raises(LLMUnavailableError, match=r"pip install 'corridor-assistant\[llm\]'"):
            chat_model_from_spec(spec)
    else:
        assert chat_model_from_spec(spec, timeout=5) is not None  # built; nothing contacted yet


@pytest.mark.parametrize("provider", ["openai", "ollama"])
def test_unreachable_server_falls_back(provider, vietnam, monkeypatch):
    """A real client against a closed loopback port: refused at once, extractive answer shown."""
    if importlib.util.find_spec(f"langchain_{provider}") is None:
        with pytest.raises(LLMUnavailableError):
            chat_model_from_spec(f"{provider}:x")
        return
    port = free_port()
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OLLAMA_HOST", f"http://127.0.0.1:{port}")
    q, docs, corpus, extractive, _ = vietnam
    ans = ask(chat_model_from_spec(f"{provider}:tiny", timeout=5), VIETNAM, q, docs, corpus)
    assert ans.grounding == "fallback" and ans.text == extractive.text
    assert ans.reason.startswith("LLM unavailable (")


def test_stream_yields_pieces_then_the_verified_answer(vietnam):
    q, docs, corpus, extractive, n = vietnam
    reply = f"Vietnam accounts for 62% of the corridor's trade value [{n}]."
    out = list(LLMAnswerer(FakeListChatModel(responses=[reply]), ExtractiveAnswerer()).stream(VIETNAM, q, docs, corpus))
    *pieces, final = out
    assert "".join(pieces) == reply
    assert final.grounding == "verified" and final.text.endswith("[1].")
    bad = LLMAnswerer(FakeListChatModel(responses=["Malaysia has 75% [1]."]), ExtractiveAnswerer())
    assert list(bad.stream(VIETNAM, q, docs, corpus))[-1].text == extractive.text


class _ServerStub(BaseHTTPRequestHandler):
    """A chat server speaking OpenAI's /v1/chat/completions and Ollama's /api/chat, answering like
    an obedient model: it cites the passage holding "62%", after `delay` seconds."""

    delay = 0.0
    served_as = ""  # the model name the reply carries: the one asked for unless set
    requests: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(dict(body))
        time.sleep(self.delay)
        user = body["messages"][-1]["content"]
        passages = re.finditer(r'<passage n="(\d+)">(.*?)</passage>', user, re.S)
        n = next(m.group(1) for m in passages if "62%" in m.group(2))
        reply = f"Vietnam accounts for 62% of the corridor's trade value [{n}]."
        body["model"] = self.served_as or body["model"]
        if self.path.startswith("/api/chat"):  # Ollama streams NDJSON: pieces, then a closing line
            lines = [
                {"model": body["model"], "created_at": "2025-01-01T00:00:00Z", "done": False, "message": m}
                for m in ({"role": "assistant", "content": reply[:20]}, {"role": "assistant", "content": reply[20:]})
            ]
            lines.append(
                {**lines[0], "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"}
            )
            data, kind = "".join(json.dumps(line) + "\n" for line in lines).encode(), "application/x-ndjson"
        elif body.get("stream"):  # OpenAI streams server-sent events: deltas, a finish reason, [DONE]
            head = {"id": "stub", "object": "chat.completion.chunk", "created": 0, "model": body["model"]}
            deltas = [
                ({"role": "assistant", "content": reply[:20]}, None),
                ({"content": reply[20:]}, None),
                ({}, "stop"),
            ]
            events = [{**head, "choices": [{"index": 0, "delta": d, "finish_reason": f}]} for d, f in deltas]
            data = "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]\n\n"
            kind = "text/event-stream"
        else:
            choice = {"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}
            usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
            payload = {"id": "stub", "object": "chat.completion", "created": 0, "model": body["model"]}
            data, kind = json.dumps({**payload, "choices": [choice], "usage": usage}).encode(), "application/json"
        try:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ServerStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("OPENAI_BASE_URL", f"{url}/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("CORRIDOR_LLM_MAX_TOKENS", raising=False)
    monkeypatch.setenv("OLLAMA_HOST", url)
    _ServerStub.requests = []
    yield _ServerStub
    _ServerStub.delay, _ServerStub.served_as = 0.0, ""
    server.shutdown()
    server.server_close()


def needs(provider: str):
    missing = importlib.util.find_spec(f"langchain_{provider}") is None
    return pytest.param(provider, marks=pytest.mark.skipif(missing, reason=f"langchain-{provider} is not installed"))


@pytest.mark.parametrize("provider", [needs("openai"), needs("ollama")])
def test_real_client_against_a_loopback_server(provider, assistant, vietnam, chat_server):
    q, docs, corpus, _, _ = vietnam
    model = chat_model_from_spec(f"{provider}:tiny", timeout=10)
    ans = ask(model, VIETNAM, q, docs, corpus)
    assert ans.grounding == "verified", ans.reason
    assert ans.text == "Vietnam accounts for 62% of the corridor's trade value [1]."
    assert_verbatim(assistant, ans)
    *pieces, streamed = LLMAnswerer(model, ExtractiveAnswerer()).stream(VIETNAM, q, docs, corpus)
    assert len(pieces) >= 2 and (streamed.grounding, streamed.text) == ("verified", ans.text)
    sent = chat_server.requests[-1]
    assert sent["model"] == "tiny" and [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert (sent.get("temperature") if provider == "openai" else sent["options"]["temperature"]) == 0
    limit = sent.get("max_completion_tokens", sent.get("max_tokens")) if provider == "openai" else None
    assert (limit if provider == "openai" else sent["options"]["num_predict"]) == MAX_REPLY_TOKENS


@pytest.mark.parametrize("provider", [needs("openai"), needs("ollama")])
def test_slow_server_times_out_to_the_extractive_answer(provider, vietnam, chat_server):
    q, docs, corpus, extractive, _ = vietnam
    chat_server.delay = 2.0
    model = chat_model_from_spec(f"{provider}:tiny", timeout=0.5)  # its import is not the request's time
    t0 = time.monotonic()
    ans = ask(model, VIETNAM, q, docs, corpus)
    assert time.monotonic() - t0 < 5  # one retry at most
    assert ans.grounding == "fallback" and ans.text == extractive.text
    assert "Timeout" in ans.reason


@pytest.mark.parametrize("provider", [needs("openai"), needs("ollama")])
def test_reply_from_another_model_falls_back(provider, vietnam, chat_server):
    """llama.cpp's server answers any model name with the one model it has: a reply that says it
    comes from another model than the one asked for is not used."""
    q, docs, corpus, extractive, _ = vietnam
    chat_server.served_as = "gemma3-270m"
    answerer = LLMAnswerer(chat_model_from_spec(f"{provider}:no-such-model", timeout=10), ExtractiveAnswerer())
    for ans in (answerer.answer(VIETNAM, q, docs, corpus), list(answerer.stream(VIETNAM, q, docs, corpus))[-1]):
        assert ans.grounding == "fallback" and ans.text == extractive.text
        assert ans.reason.startswith(
            "LLM unavailable (UnknownModel: asked for 'no-such-model', the server answered as 'gemma3-270m')"
        )
        assert fallback_kind(ans.reason) == "unavailable (UnknownModel)"


@pytest.mark.parametrize(
    ("requested", "served", "same"),
    [
        ("gpt-4o", "gpt-4o-2024-08-06", True),
        ("qwen2.5", "qwen2.5:latest", True),
        ("gemma3-270m", "gemma3-270m", True),
        ("gemma-3-270m-q4_k_m", "/models/gemma-3-270m-q4_k_m.gguf", True),
        ("Qwen2.5-3B", "qwen2.5-3b-instruct", True),
        ("no-such-model", "gemma3-270m", False),
        ("qwen2.5:7b", "qwen2.5:3b", False),
        ("x", "", True),  # a server that does not say
    ],
)
def test_served_model_matches_the_one_asked_for(requested, served, same):
    from assistant.llm import _same_model

    assert _same_model(requested, served) is same


def test_extractive_answers_cited_to_their_passage_verify(assistant):
    """No false alarms on faithful answers: each fixture's extractive answer, cited to the passage
    that holds its statement, passes the checker."""
    from tests.conftest import load_fixture

    corpus = assistant.corpus()
    common = corpus.vocabulary - corpus.names
    checked = 0
    for case in load_fixture("core.yaml"):
        q, docs, corpus = retrieve(assistant, case["question"])
        extractive = ExtractiveAnswerer().answer(case["question"], q, docs, corpus)
        if extractive.abstained or len(extractive.citations) > 1 or extractive.kind != "sentence":
            continue  # composed answers ("Yes. ...", lists) are not one passage's statement
        statement = extractive.text.removesuffix(" [1]")
        passages = LLMAnswerer(None, None).passages(docs, corpus)
        n = next((p.n for p in passages if statement in p.text), None)
        if n is None:  # a composed answer (a list, a comparison): no one passage holds it verbatim
            continue
        verdict = check_grounding(f"{statement} [{n}]", {p.n: p.text for p in passages}, common)
        assert verdict.ok, (case["id"], verdict.reason)
        checked += 1
    assert checked >= 20


def test_web_chat_streams_llm_words_then_shows_the_checked_answer(assistant, monkeypatch):
    """The chat shows an LLM's words as they arrive, then replaces them with the verified answer."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from assistant.answerer import ExtractiveAnswerer
    from assistant.llm import LLMAnswerer
    from ui.app import respond

    question = "What share of the corridor's trade value comes from Vietnam?"
    docs = assistant.retriever().invoke(question)
    n = next(i for i, d in enumerate(docs, start=1) if "62%" in assistant.source_text(d.metadata["chunk"].source_id))
    reply = f"Vietnam accounts for 62% of the corridor's trade value [{n}]."
    model = GenericFakeChatModel(messages=iter([reply]))
    monkeypatch.setattr(assistant, "_answerer", LLMAnswerer(model, ExtractiveAnswerer()))
    updates = list(respond(assistant, question, [], pace=0))
    texts = [str(u[1][-1]["content"]) for u in updates if u[1] and u[1][-1]["role"] == "assistant"]
    assert len(texts) >= 3  # several partial texts while the fake model streams word by word
    assert "62%" in texts[-1] and "[1]" in texts[-1]  # the checked answer, markers renumbered
    final = updates[-1][3][-1]["answer"]
    assert final["grounding"] == "verified"
