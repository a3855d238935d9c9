"""The web chat's handlers, without a server: streaming, sources panel, citations, abstention,
saved conversations, uploads, feedback, refusals, and the request guard's building blocks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from assistant.types import Answer, Citation
from ui import render
from ui.app import (
    EXAMPLES,
    ServeOptions,
    add_documents,
    answer_dict,
    build_app,
    history,
    record_vote,
    respond,
    save_conversation,
)
from ui.conversations import ConversationStore, export_markdown, new_conversation
from ui.feedback import FeedbackLog
from ui.render import answer_summary, question_bubble, safe_url, sources_panel
from ui.security import AuthConfigError, LoginThrottle, Policy, allowed_hosts, load_auth_file, parse_credentials
from ui.uploads import safe_name, store_uploads

VIETNAM = "What share of the corridor's trade value comes from Vietnam?"
MALAYSIA = "What share of the corridor's trade comes from Malaysia?"
XSS = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'


def chat(assistant, message, turns=None, **kwargs):
    return list(respond(assistant, message, turns, pace=0, **kwargs))


def last_reply(update) -> str:
    messages = update[1]
    assert messages[-1]["role"] == "assistant"
    return messages[-1]["content"]


def citation(n=1, **kw) -> Citation:
    base = dict(n=n, source="s", title="T", published="2024-01-01", url="", quote="Ports.", score=1.0)
    return Citation(**{**base, **kw})


def test_import_ui_does_not_load_gradio():
    code = "import sys, ui; assert 'gradio' not in sys.modules, 'gradio imported eagerly'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_gradio_names_the_extra(monkeypatch, assistant):
    monkeypatch.setitem(sys.modules, "gradio", None)  # makes `import gradio` raise ImportError
    with pytest.raises(ImportError, match=r"pip install 'corridor-assistant\[ui\]'"):
        build_app(assistant)


def test_answer_streams_as_growing_text_and_ends_with_the_full_answer(assistant):
    updates = chat(assistant, VIETNAM)
    box, first_messages, first_panel, _ = updates[0]
    assert box == "" and first_messages == [{"role": "user", "content": question_bubble(VIETNAM)}]
    assert "Searching" in first_panel

    texts = [render.esc(u[3][-1]["answer"]["text"]) if u[3] else None for u in updates]
    replies = [last_reply(u) for u in updates[1:]]
    assert len(replies) >= 3, "the answer should appear progressively"
    bodies = [r.split('<div class="answer-text">', 1)[1].split("</div>", 1)[0] for r in replies]
    assert all(len(a) < len(b) for a, b in zip(bodies, bodies[1:], strict=False))

    expected = assistant.ask(VIETNAM).text
    _, messages, panel, turns = updates[-1]
    assert texts[-1] == render.esc(expected)
    assert '<a class="cite" href="#src-0-1"' in replies[-1] and "62%" in replies[-1]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert turns[0]["question"] == VIETNAM and not turns[0]["answer"]["abstained"]
    assert panel.count('class="source"') == 1 and "<mark>" in panel and "iChongqing" in panel
    assert 'id="src-0-1"' in panel and 'aria-live="polite"' in panel


def test_each_answer_keeps_its_own_sources_in_the_panel(assistant):
    turns = chat(assistant, VIETNAM)[-1][3]
    _, _, panel, turns = chat(assistant, "Who founded Osell?", turns)[-1]
    assert 'id="turn-src-0"' in panel and 'id="turn-src-1"' in panel
    assert 'class="turn-sources" id="turn-src-0"' in panel  # the earlier answer's sources, hidden
    assert 'class="turn-sources active" id="turn-src-1"' in panel  # the latest one shown
    assert "62%" in panel.split('id="turn-src-1"')[0] and "Osell" in panel.split('id="turn-src-1"')[1]
    bubble = render.answer_bubble(1, turns[1]["answer"])
    assert 'id="bubble-src-1-1"' in bubble and "<details" in bubble  # under the answer on narrow screens
    assert '<button type="button" class="open-source of-src-1-1">' in bubble  # opens what the panel's card opens


def test_follow_up_passes_the_conversation_as_history(assistant):
    seen = []

    class Spy:
        settings = assistant.settings

        def ask(self, question, history=None, k=None):
            seen.append(list(history or []))
            return assistant.ask(question, history=history)

        def ask_stream(self, question, history=None):  # what the chat calls
            yield self.ask(question, history)

    turns = chat(Spy(), VIETNAM)[-1][3]
    turns = chat(Spy(), "", turns)[-1][3]  # refused, so left out of the history
    _, messages, _, turns = chat(Spy(), "And Indonesia?", turns)[-1]
    first = (VIETNAM, turns[0]["answer"]["text"])
    assert seen == [[], [first], [first]]
    assert history(turns) == [first, ("And Indonesia?", turns[2]["answer"]["text"])]
    assert len(messages) == 6


def test_passages_setting_uses_ask_with_k(assistant):
    calls = []

    class Spy:
        settings = assistant.settings

        def ask(self, question, history=None, k=None):
            calls.append(("ask", k))
            return assistant.ask(question, history=history, k=k)

        def ask_stream(self, question, history=None):
            calls.append(("ask_stream", None))
            yield assistant.ask(question, history=history)

    chat(Spy(), VIETNAM, k=assistant.settings.top_k)
    chat(Spy(), VIETNAM, k=2)
    assert calls == [("ask_stream", None), ("ask", 2)]


def test_sources_panel_escapes_everything_from_a_source():
    context = f"Before {XSS} after, with <b>bold</b> words."
    evil = citation(
        title="<script>alert('title')</script>Port news",
        url="javascript:alert(1)",
        quote=XSS,
        publisher='<img src=x onerror="alert(2)">',
        context=context,
        quote_offset=context.index(XSS),
    )
    linked = citation(2, source="ok", title="Ports & rail", published="", url="https://example.org/a?b=1&c=<x>")
    answer = answer_summary(Answer(question="q", text="t [1] [2]", abstained=False, citations=[evil, linked]))
    panel = sources_panel([{"question": "q", "answer": answer, "error": ""}])
    bubble = render.answer_bubble(0, answer)
    for html in (panel, bubble):
        for raw in ("<script", "<img", "<b>", "javascript:", 'onerror="'):
            assert raw not in html
    assert "<mark>&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt; &lt;script&gt;" in panel
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;Port news" in panel
    assert '<a href="https://example.org/a?b=1&amp;c=&lt;x&gt;"' in panel and "Ports &amp; rail" in panel


def test_only_http_links():
    assert safe_url("https://example.org/x") == "https://example.org/x"
    assert safe_url(" HTTP://example.org ") == "HTTP://example.org"
    for bad in (
        "javascript:alert(1)",
        "data:text/html,<script>",
        "file:///etc/passwd",
        "//evil.example",
        "",
        "http://",
    ):
        assert safe_url(bad) is None


def test_quotes_render_without_markdown_markup():
    caption = "*The 19th China-ASEAN Expo (CAEXPO) was held in Nanning on September 16. (Photo provided to iChongqing)*"
    assert render.unmark(caption) == caption.strip("*")
    assert render.unmark("**62%** of [the value](https://x.org) and _more_") == "62% of the value and more"
    assert render.unmark("held in Nanning.*") == "held in Nanning."  # a partner outside the quoted span
    assert render.unmark("3*4 = 12 and snake_case_name") == "3*4 = 12 and snake_case_name"
    c = citation(quote=caption, context=f"Intro. {caption} After.", quote_offset=7)
    panel = sources_panel([{"question": "q", "answer": answer_summary(Answer("q", "t [1]", False, [c])), "error": ""}])
    assert "*" not in panel.split("<mark>")[1].split("</mark>")[0]


def test_markers_link_to_their_cards_and_unknown_markers_stay_text():
    answer = answer_summary(Answer("q", "A [1] and B [2]; see [7].", False, [citation(1), citation(2)]))
    html = render.linked_text(4, answer["text"], answer["citations"])
    assert html.count('class="cite"') == 2 and 'href="#src-4-2"' in html and "[7]" in html and "#src-4-7" not in html


def test_copy_text_is_plain_with_quotes_and_sources():
    c = citation(title="Corridor's ports", publisher="iChongqing", url="https://example.org/a", quote="*It's 62%.*")
    text = render.copy_text(answer_summary(Answer("q", "It is 62% [1]", False, [c])))
    assert text.splitlines() == [
        "It is 62% [1]",
        "",
        "Sources:",
        "[1] Corridor's ports (iChongqing, 2024-01-01) https://example.org/a",
        "    “It's 62%.”",
    ]
    assert "&#x27;" not in text and "&amp;" not in text


def test_abstention_shows_related_passages_under_a_clear_heading():
    related = [citation(1, quote="Thailand shipped goods.", title="Rel")]
    answer = Answer("q", "I can't find that.", True, [], related=related)
    summary = answer_summary(answer)
    panel = sources_panel([{"question": "q", "answer": summary, "error": ""}])
    assert "notice-abstain" in panel and render.RELATED_LABEL in panel and "Thailand shipped goods." in panel
    assert render.RELATED_LABEL in render.answer_bubble(0, summary)
    # an Answer from before `related`/`confidence` existed still renders
    old = SimpleNamespace(text="x", abstained=True, citations=[], grounding="extractive")
    assert answer_summary(old)["related"] == [] and answer_summary(old)["confidence"] == 0.0


def test_questions_and_answers_in_the_chat_are_escaped(assistant):
    _, messages, _, turns = chat(assistant, f"What about {XSS}?")[-1]
    for message in messages:
        assert "<img" not in message["content"] and "<script" not in message["content"]
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in messages[0]["content"]
    assert turns[0]["question"] == f"What about {XSS}?"  # the assistant gets the raw text


def test_abstained_answer_has_a_distinct_notice_and_no_sources(assistant):
    _, messages, panel, turns = chat(assistant, MALAYSIA)[-1]
    assert turns[0]["answer"]["abstained"] and turns[0]["answer"]["citations"] == []
    assert 'class="abstain-badge">Not in the sources</span>' in messages[-1]["content"]
    assert "notice-abstain" in panel and 'class="source"' not in panel.split(render.RELATED_LABEL)[0]

    grounded, grounded_panel = chat(assistant, VIETNAM)[-1][1:3]
    assert "abstain-badge" not in grounded[-1]["content"] and "notice" not in grounded_panel


def test_a_follow_up_with_nothing_to_follow_is_a_question_back_not_an_abstention(assistant):
    _, messages, panel, turns = chat(assistant, "And what about Laos?")[-1]
    reply = messages[-1]["content"]
    assert turns[0]["answer"]["kind"] == "clarify" and "What would you like to know about Laos?" in reply
    assert 'class="info-badge">Needs a complete question</span>' in reply
    assert "abstain-badge" not in reply and "refusal" not in reply and "went wrong" not in reply
    assert "notice-clarify" in panel and "notice-abstain" not in panel and "Nothing was looked up" in panel


def test_a_question_in_another_language_gets_the_english_only_notice(assistant):
    """The real assistant, end to end: a notice, never "something went wrong"."""
    _, messages, panel, turns = chat(assistant, "¿Cuántos puertos tiene el corredor?")[-1]
    reply = messages[-1]["content"]
    assert turns[0]["answer"] is not None, turns[0].get("error")
    assert turns[0]["answer"]["kind"] == "language" and "Spanish" in reply
    assert 'class="info-badge">English only</span>' in reply and "abstain-badge" not in reply
    assert "notice-language" in panel and "notice-abstain" not in panel


@pytest.mark.parametrize(("kind", "badge"), [("clarify", "Needs a complete question"), ("language", "English only")])
def test_notices_are_told_apart_from_abstentions(kind, badge):
    summary = answer_summary(Answer("q", "Please ask it in English.", True, [], kind=kind))
    bubble, panel = render.answer_bubble(0, summary), sources_panel([{"question": "q", "answer": summary}])
    assert f'class="info-badge">{badge}</span>' in bubble and render.ABSTAIN_LABEL not in bubble
    assert f"notice-{kind}" in panel and render.ABSTAIN_LABEL not in panel
    old = answer_summary(
        SimpleNamespace(text="I can't find that.", abstained=True, citations=[])
    )  # saved before `kind`
    assert render.reply_kind(old) == "abstain" and render.ABSTAIN_LABEL in render.answer_bubble(0, old)


@pytest.mark.parametrize(
    ("kind", "confidence", "note"),
    [
        ("sentence", 0.55, render.UNSURE_NOTE),
        ("yes-no", 0.6, render.UNSURE_NOTE),
        ("sentence", 0.9, ""),
        ("comparison", 0.14, ""),  # a comparison's confidence is its weakest figure's: no verdict on the answer
        ("overview", 0.0, render.OVERVIEW_NOTE),
        ("metadata", 1.0, ""),
    ],
)
def test_an_unsure_answer_says_to_check_its_quote(kind, confidence, note):
    summary = answer_summary(Answer("q", "Ports. [1]", False, [citation(1)], confidence=confidence, kind=kind))
    bubble = render.answer_bubble(0, summary)
    notes = re.findall(r'<p class="answer-note">(.*?)</p>', bubble)
    assert notes == ([note] if note else [])
    assert f"kind-{kind}" in bubble and "badge" not in bubble


def test_a_list_answer_is_a_bulleted_list_of_its_cited_items():
    text = "Osell signed an agreement. [1] Longcheng will be set up in Laos. [2] Liu Wei spoke. [3]"
    summary = answer_summary(Answer("q", text, False, [citation(1), citation(2), citation(3)], kind="list"))
    bubble = render.answer_bubble(2, summary)
    items = re.findall(r"<li>(.*?)</li>", bubble.split('<ul class="answer-list">')[1].split("</ul>")[0])
    assert len(items) == 3 and items[1].startswith("Longcheng will be set up in Laos.")
    assert all(f'href="#src-2-{n}"' in item for n, item in enumerate(items, 1))
    assert render.copy_text(summary).splitlines()[0] == text  # copied as the plain sentence it is
    single = answer_summary(Answer("q", "Only one. [1]", False, [citation(1)], kind="list"))
    assert "answer-list" not in render.answer_bubble(0, single)


@pytest.mark.parametrize("question", ["", "   ", None])
def test_empty_question_is_refused_politely(assistant, question):
    _, messages, panel, turns = chat(assistant, question)[-1]
    assert messages[-1]["content"].startswith('<span class="refusal">Sorry, I can')
    assert "empty" in messages[-1]["content"] and "Traceback" not in messages[-1]["content"]
    assert turns[-1]["answer"] is None and "notice-refusal" in panel


def test_long_question_is_refused_and_kept_in_the_box(assistant):
    limit = assistant.settings.max_question_chars
    long_question = "Which ports does the corridor serve? " * (limit // 30)
    box, messages, _, turns = chat(assistant, long_question)[-1]
    assert box == long_question  # what the user typed is not lost
    assert f"the limit is {limit:,}" in messages[-1]["content"] and "Sorry" in messages[-1]["content"]
    assert len(messages[0]["content"]) < 600 and f"{len(long_question.strip()):,} characters" in messages[0]["content"]
    assert history(turns) == []


def test_vote_appends_one_json_line_per_changed_vote(assistant, tmp_path):
    turns = chat(assistant, VIETNAM)[-1][3]
    turns = chat(assistant, MALAYSIA, turns)[-1][3]
    log = FeedbackLog(tmp_path / "votes" / "feedback.jsonl")

    assert record_vote(log, turns, 1, True)["vote"] == "up"
    assert record_vote(log, turns, 1, True) is None  # the same vote replayed
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


# -- conversations -------------------------------------------------------------------------------
def test_conversations_are_saved_per_user_renamed_and_deleted(assistant, tmp_path):
    store = ConversationStore(tmp_path / "conversations")
    turns = chat(assistant, VIETNAM)[-1][3]
    conv = store.save("alice", {**new_conversation(), "turns": turns})
    assert conv["title"] == VIETNAM  # named after its first question
    assert [c["id"] for c in store.list("alice")] == [conv["id"]] and store.list("bob") == []
    assert store.list(None) == []  # the shared list (no sign-in) is separate too
    assert store.load("alice", conv["id"])["turns"] == json.loads(json.dumps(turns))
    assert store.rename("alice", conv["id"], "  Vietnam   share ")["title"] == "Vietnam share"
    assert store.load("bob", conv["id"]) is None
    for bad in ("../../etc/passwd", "x" * 16, "", None):
        assert store.load("alice", bad) is None and store.delete("alice", bad) is False
    assert store.delete("alice", conv["id"]) and store.list("alice") == []
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "conversations").rglob("*"))


def test_saving_never_overwrites_a_conversation_with_other_turns(tmp_path):
    store = ConversationStore(tmp_path / "conversations")
    turn = lambda q: {"question": q, "answer": {"text": f"About {q}."}, "error": ""}  # noqa: E731
    first = save_conversation(store, None, "", [turn("a")], {"k": 6})
    grown = save_conversation(store, None, first["id"], [turn("a"), {**turn("b"), "vote": "up"}], {"k": 6})
    assert grown["id"] == first["id"] and len(store.load(None, first["id"])["turns"]) == 2  # it continues
    # a page whose conversation was swapped under it (restored while a question was on its way)
    other = save_conversation(store, None, first["id"], [turn("c")], {"k": 6})
    assert other["id"] != first["id"] and [t["question"] for t in store.load(None, first["id"])["turns"]] == ["a", "b"]
    assert save_conversation(store, None, "0123456789abcdef", [turn("d")], {})["id"] != "0123456789abcdef"
    assert len(store.list(None)) == 3


def test_a_damaged_conversation_file_is_skipped(tmp_path):
    store = ConversationStore(tmp_path)
    good = store.save(None, {**new_conversation(), "turns": [{"question": "q", "answer": None, "error": "e"}]})
    (store.folder(None) / "0123456789abcdef.json").write_text("{not json", encoding="utf-8")
    assert [c["id"] for c in store.list(None)] == [good["id"]]


def test_export_has_every_answer_with_quotes_titles_dates_and_links(assistant):
    turns = chat(assistant, VIETNAM)[-1][3]
    turns = chat(assistant, MALAYSIA, turns)[-1][3]
    turns = chat(assistant, "", turns)[-1][3]
    md = export_markdown({"title": "Trade shares", "turns": turns})
    cite = turns[0]["answer"]["citations"][0]
    assert md.startswith("# Trade shares\n")
    assert f"## 1. {VIETNAM}" in md and turns[0]["answer"]["text"] in md
    assert f"> {render.unmark(cite['quote'])}" in md and cite["title"] in md and cite["published"] in md
    if cite["url"]:
        assert f"]({cite['url']})" in md
    assert "## 2." in md and "can't find" in md and "_Not asked:" in md
    assert "&#x27;" not in md and "<mark>" not in md


# -- what is indexed, uploads --------------------------------------------------------------------
def test_corpus_line_says_what_is_indexed(assistant):
    one = SimpleNamespace(title="T", publisher="iChongqing", published="2022-09-16")
    assert render.corpus_line([one]) == "1 source: iChongqing, 2022-09-16"
    many = [SimpleNamespace(title="T", publisher="P", published=d) for d in ("2024-12-20", "", "2023-01-01")]
    assert render.corpus_line(many) == "3 sources, newest 2024-12-20"
    assert render.corpus_line(assistant.sources()).startswith("1 source: iChongqing")


def test_upload_names_are_made_safe():
    assert safe_name("../../etc/passwd.md") == "passwd.md"
    assert safe_name("..\\..\\win.txt") == "win.txt"
    assert safe_name(".hidden.md") == "hidden.md"
    assert safe_name("Report <2024>;rm -rf.PDF") == "Report _2024_rm -rf.pdf"
    assert safe_name("x" * 300 + ".md").endswith(".md") and len(safe_name("x" * 300 + ".md")) <= 100


def test_store_uploads_refuses_by_name_and_keeps_nothing_outside(tmp_path):
    incoming = tmp_path / "gradio" / "abc"
    incoming.mkdir(parents=True)
    (incoming / "notes.md").write_text("# Notes\n\nThe corridor grew.\n", encoding="utf-8")
    (incoming / "tool.exe").write_bytes(b"MZ")
    (incoming / "big.txt").write_bytes(b"a" * 2048)
    result = store_uploads([incoming / n for n in ("notes.md", "tool.exe", "big.txt")], tmp_path / "up", 1024)
    assert [p.name for p in result.stored] == ["notes.md"]
    assert [n for n, _ in result.refused] == ["tool.exe", "big.txt"]
    assert "not a supported type" in result.refused[0][1] and "over the 1 KB limit" in result.refused[1][1]
    assert sorted(p.name for p in (tmp_path / "up").iterdir()) == ["notes.md"]
    assert not incoming.exists()  # gradio's temporary copies are gone


@pytest.mark.slow
def test_add_documents_ingests_good_files_and_refuses_bad_ones(tmp_path):
    from assistant import Assistant

    asst = Assistant(data_dir=tmp_path / "data")
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "tea.md").write_text(
        "---\ntitle: Tea trains\npublished: 2024-03-01\n---\n\nThe corridor carried 1,234 tonnes of Pu'er tea in 2023.\n",
        encoding="utf-8",
    )
    (incoming / "empty.txt").write_text("   \n", encoding="utf-8")
    status = add_documents(
        asst, [str(incoming / "tea.md"), str(incoming / "empty.txt")], tmp_path / "up", ServeOptions()
    )
    assert "1 added or updated" in status and "Refused: empty.txt" in status
    assert [p.name for p in (tmp_path / "up").iterdir()] == ["tea.md"]  # the refused file is not kept
    assert "1,234 tonnes" in asst.ask("How much tea did the corridor carry in 2023?").text
    too_many = add_documents(asst, ["a.md"] * 11, tmp_path / "up", ServeOptions())
    assert "At most 10 files" in too_many


# -- the app and its API ---------------------------------------------------------------------------
def test_ask_endpoint_returns_the_answer_dict(assistant):
    result = answer_dict(assistant, "Who founded Osell?")
    json.dumps(result)
    assert "Feng Jianfeng" in result["text"] and result["citations"][0]["quote"]
    assert result["abstained"] is False and "confidence" in result and "related" in result


def test_api_lists_ask_first_and_hides_page_handlers(assistant, tmp_path):
    import gradio as gr

    app = build_app(assistant, feedback_path=tmp_path / "feedback.jsonl")
    assert isinstance(app, gr.Blocks)
    info = app.get_api_info()["named_endpoints"]
    assert list(info)[:2] == ["/ask", "/sources"] and len(info) == 2
    params = info["/ask"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["question", "k"]
    described = info["/ask"]["description"]
    assert "question (str)" in described and "k (int)" in described and "Answer.to_dict()" in described
    assert "Hello!!" not in json.dumps(info) and not re.search(r"parameter_\d", json.dumps(info))
    public = {fn.api_name for fn in app.fns.values() if fn.api_visibility == "public"}
    assert public == {"ask", "sources"}
    examples = next(b for b in app.blocks.values() if isinstance(b, gr.Chatbot)).examples
    assert [e["text"] for e in examples] == EXAMPLES


def test_only_admins_may_manage_sources():
    assert not ServeOptions().may_manage(None)  # off by default
    assert ServeOptions(upload_enabled=True).may_manage(None)  # loopback, no sign-in, --allow-upload
    signed_in = ServeOptions(upload_enabled=True, admins=frozenset({"alice"}))
    assert signed_in.may_manage("alice") and not signed_in.may_manage("bob") and not signed_in.may_manage(None)


# -- the guard's building blocks -----------------------------------------------------------------
def test_credentials_parse_and_bad_lines_are_named():
    assert parse_credentials("# users\nalice:s3:cr:et\n\nbob:pw\n", "f") == [("alice", "s3:cr:et"), ("bob", "pw")]
    for text, message in [("alice", "line 1 must look like"), ("", "no user:password"), ("a:1\na:2", "twice")]:
        with pytest.raises(AuthConfigError, match=message):
            parse_credentials(text, "f")


def test_auth_file_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "users"
    path.write_text("alice:pw\n", encoding="utf-8")
    os.chmod(path, 0o644)
    with pytest.raises(AuthConfigError, match="readable by other users: chmod 600"):
        load_auth_file(path)
    os.chmod(path, 0o600)
    assert load_auth_file(path) == [("alice", "pw")]
    with pytest.raises(AuthConfigError, match="cannot read the auth file"):
        load_auth_file(tmp_path / "missing")


def test_host_names_allowed_for_each_bind():
    loop = Policy(hosts=allowed_hosts("127.0.0.1"))
    assert loop.host_ok("127.0.0.1:7860") and loop.host_ok("localhost:7860") and loop.host_ok("[::1]:7860")
    assert not loop.host_ok("evil.example:7860") and not loop.host_ok("") and not loop.host_ok("10.0.0.5")
    wild = Policy(hosts=allowed_hosts("0.0.0.0", ["chat.example.org"]))
    assert wild.host_ok("192.0.2.7:7860") and wild.host_ok("chat.example.org") and not wild.host_ok("rebind.example")
    one = Policy(hosts=allowed_hosts("192.0.2.7"))
    assert one.host_ok("192.0.2.7:7860") and not one.host_ok("localhost")


def test_login_throttle_locks_out_after_repeated_failures():
    now = [1000.0]
    throttle = LoginThrottle(free=3, window=60, lock=10, max_lock=40, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait("addr:1") == 0
        throttle.failed("addr:1")
    assert throttle.wait("addr:1") == 0  # three mistakes are free
    throttle.failed("addr:1")
    assert throttle.wait("addr:1") == 10 and throttle.wait("addr:2") == 0
    throttle.failed("addr:1")
    throttle.failed("addr:1")
    throttle.failed("addr:1")
    assert throttle.wait("addr:1") == 40  # doubling, capped
    now[0] += 41
    assert throttle.wait("addr:1") == 0
    throttle.succeeded("addr:1")
    throttle.failed("addr:1")
    assert throttle.wait("addr:1") == 0
